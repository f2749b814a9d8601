"""Linux capability names, for `bluegreen:docker.appCapabilities` (what an app container gets back)."""

from pydantic_core import PydanticCustomError

# capabilities(7), without the CAP_ prefix Docker also accepts. ALL is not here: adding every
# capability back undoes the drop, and that is `appCapabilities`' one refused value.
LINUX_CAPABILITIES = frozenset(
    {
        "AUDIT_CONTROL", "AUDIT_READ", "AUDIT_WRITE", "BLOCK_SUSPEND", "BPF", "CHECKPOINT_RESTORE", "CHOWN",
        "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "IPC_LOCK", "IPC_OWNER", "KILL", "LEASE",
        "LINUX_IMMUTABLE", "MAC_ADMIN", "MAC_OVERRIDE", "MKNOD", "NET_ADMIN", "NET_BIND_SERVICE",
        "NET_BROADCAST", "NET_RAW", "PERFMON", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_ADMIN",
        "SYS_BOOT", "SYS_CHROOT", "SYS_MODULE", "SYS_NICE", "SYS_PACCT", "SYS_PTRACE", "SYS_RAWIO",
        "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "SYSLOG", "WAKE_ALARM",
    }
)


def capability(name: object) -> str:
    """A capability name as Docker's `capabilities.adds` takes it: upper case, without `CAP_`."""
    text = name.strip().upper().removeprefix("CAP_") if isinstance(name, str) else ""
    if text not in LINUX_CAPABILITIES:
        raise PydanticCustomError(
            "capability",
            "must be one Linux capability such as NET_BIND_SERVICE (capabilities(7)); ALL is refused: it "
            "undoes the drop",
        )
    return text
