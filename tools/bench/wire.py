"""Just enough HTTP/1.1 to count responses on a keep-alive connection (pure: bytes in, numbers out)."""

from __future__ import annotations


class WireError(ValueError):
    """A response the load generator cannot delimit (no Content-Length, chunked, malformed)."""


def request_bytes(host: str, port: int, path: str, headers: dict[str, str] | None = None) -> bytes:
    """A keep-alive ``GET path`` as it goes on the wire."""
    lines = [f"GET {path} HTTP/1.1", f"host: {host}:{port}", "accept: application/json"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def complete_response(buffer: bytes | bytearray) -> tuple[int, int] | None:
    """``(status, length)`` of the first whole response in ``buffer``, or None while it is partial.

    ``length`` counts the head and the body, so ``del buffer[:length]`` leaves the next response.
    """
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        return None
    head = bytes(buffer[:end]).decode("latin-1").split("\r\n")
    parts = head[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
        raise WireError(f"not a status line: {head[0][:80]!r}")
    length = None
    for line in head[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "transfer-encoding":
            raise WireError("a chunked response: the load generator needs Content-Length")
        if name == "content-length":
            if not value.strip().isdigit():
                raise WireError(f"a bad Content-Length: {value.strip()[:40]!r}")
            length = int(value.strip())
    if length is None:
        raise WireError("a response without Content-Length")
    total = end + 4 + length
    return (int(parts[1]), total) if len(buffer) >= total else None
