"""A small PNG encoder (8-bit greyscale or RGB) on :mod:`zlib`: pictures without matplotlib.

``arraymask spy`` writes its images with it, so the command needs no
plotting library. Every row is stored with filter type 0 (none) and the
image data are compressed by zlib in one pass; the chunks are the three a
PNG must have (``IHDR``, ``IDAT``, ``IEND``), each with its CRC.

>>> import io
>>> import numpy as np
>>> buffer = io.BytesIO()
>>> write_png(buffer, np.array([[0, 255], [128, 64]], dtype=np.uint8))
>>> data = buffer.getvalue()
>>> data[:8] == PNG_SIGNATURE, read_png(data).tolist()
(True, [[0, 255], [128, 64]])
"""

from __future__ import annotations

import struct
import zlib
from typing import BinaryIO

import numpy as np

__all__ = ["PNG_SIGNATURE", "read_png", "write_png"]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_COLOUR_TYPES = {2: 0, 3: 2}  # array ndim -> PNG colour type (greyscale, RGB)


def _chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(payload, zlib.crc32(kind)) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def write_png(handle: BinaryIO, pixels: np.ndarray, *, level: int = 6) -> None:
    """Write ``pixels`` (uint8, ``(height, width)`` grey or ``(height, width, 3)`` RGB).

    Raises ``ValueError`` for another dtype or shape, or an empty image.
    """
    pixels = np.asarray(pixels)
    if pixels.dtype != np.uint8 or pixels.ndim not in _COLOUR_TYPES:
        raise ValueError(f"pixels must be uint8 (H, W) or (H, W, 3), got {pixels.dtype} "
                         f"{pixels.shape}")
    if pixels.ndim == 3 and pixels.shape[2] != 3:
        raise ValueError(f"RGB pixels need 3 channels, got {pixels.shape[2]}")
    height, width = pixels.shape[:2]
    if height < 1 or width < 1 or height >= 2**31 or width >= 2**31:
        raise ValueError(f"a PNG image needs 1 to 2**31 - 1 rows and columns, got {pixels.shape}")
    rows = np.ascontiguousarray(pixels).reshape(height, -1)
    raw = np.zeros((height, rows.shape[1] + 1), dtype=np.uint8)  # a filter byte per row
    raw[:, 1:] = rows
    header = struct.pack(">IIBBBBB", width, height, 8, _COLOUR_TYPES[pixels.ndim], 0, 0, 0)
    handle.write(PNG_SIGNATURE)
    handle.write(_chunk(b"IHDR", header))
    handle.write(_chunk(b"IDAT", zlib.compress(raw.tobytes(), level)))
    handle.write(_chunk(b"IEND", b""))


def read_png(data: bytes) -> np.ndarray:
    """The pixels of a PNG written by :func:`write_png` (filter type 0 only; for tests)."""
    if not data.startswith(PNG_SIGNATURE):
        raise ValueError("not a PNG file")
    pos, idat, header = len(PNG_SIGNATURE), b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, payload = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = payload
        elif kind == b"IDAT":
            idat += payload
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    if depth != 8 or colour not in (0, 2):
        raise ValueError("only 8-bit greyscale and RGB images are read")
    channels = 1 if colour == 0 else 3
    raw = np.frombuffer(zlib.decompress(idat), dtype=np.uint8).reshape(height, -1)
    if np.any(raw[:, 0] != 0):
        raise ValueError("only filter type 0 is read")
    pixels = raw[:, 1:]
    return pixels.reshape(height, width) if channels == 1 else pixels.reshape(height, width, 3)
