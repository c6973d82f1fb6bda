# Type stubs of the loganon package (PEP 561: py.typed ships beside it).
from typing import Any, BinaryIO, Dict, Iterable, List, Literal, Optional, Sequence, TypeVar, Union, overload

__version__: str

IpMode = Literal[
    "truncate",
    "hash",
    "cryptopan",
    "ipcrypt-pfx",
    "ipcrypt-deterministic",
    "ipcrypt-nd",
    "ipcrypt-ndx",
    "drop",
]
Line = TypeVar("Line", bytes, str)

class Counts:
    """The distinct clients and requests of each network and day (``min_k``'s first pass)."""
    def merge(self, other: "Counts") -> None: ...
    def to_bytes(self) -> bytes: ...
    @staticmethod
    def from_bytes(data: bytes) -> "Counts": ...
    @property
    def networks(self) -> int: ...

class Plan:
    """``min_k``'s widths of the networks of each day, made once from merged counts."""
    def report(self) -> Dict[str, Any]: ...

class Anonymizer:
    def __init__(
        self,
        *,
        format: str = "auto",
        ipv4_prefix: int = 24,
        ipv6_prefix: int = 48,
        ip_mode: IpMode = "truncate",
        identifiers: Literal["redact", "hash"] = "redact",
        rotate_key: Literal["daily", "never"] = "daily",
        key: Union[bytes, bytearray, memoryview, str, None] = None,
        keep_network: Union[str, Sequence[str], None] = None,
        redact_param: Union[str, Sequence[str], None] = None,
        keep_param: Union[str, Sequence[str], None] = None,
        on_unparsed: Literal["scrub", "drop", "fail"] = "scrub",
        w3c_fields: Optional[str] = None,
        max_age: Optional[str] = None,
        now: Union[int, str, None] = None,
        location: Union[int, str, None] = None,
    ) -> None: ...
    @overload
    def anonymize_lines(self, lines: Iterable[bytes], plan: Optional[Plan] = None) -> List[bytes]: ...
    @overload
    def anonymize_lines(self, lines: Iterable[str], plan: Optional[Plan] = None) -> List[str]: ...
    @overload
    def anonymize_lines(
        self, lines: Iterable[Optional[Line]], plan: Optional[Plan] = None
    ) -> List[Optional[Line]]: ...
    @overload
    def anonymize_text(self, text: bytes, plan: Optional[Plan] = None) -> bytes: ...
    @overload
    def anonymize_text(self, text: str, plan: Optional[Plan] = None) -> str: ...
    @overload
    def anonymize_text(self, text: None, plan: Optional[Plan] = None) -> None: ...
    def anonymize_stream(
        self, reader: BinaryIO, writer: BinaryIO, *, chunk_size: int = 4194304, plan: Optional[Plan] = None
    ) -> int: ...
    def anonymize_arrow(self, array: Any, plan: Optional[Plan] = None) -> Any: ...
    def count_lines(self, lines: Iterable[Union[bytes, str, None]], *, min_k: int) -> Counts: ...
    def plan(self, counts: Counts, *, min_k: int) -> Plan: ...
    def check_lines(self, lines: Iterable[bytes]) -> Dict[str, Any]: ...
    def stats(self) -> Dict[str, int]: ...
    def reset(self) -> None: ...
