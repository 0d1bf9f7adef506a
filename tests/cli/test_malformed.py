"""Malformed input: exit status 2, one message naming the file (and line), no output."""

from __future__ import annotations

import gzip
import io

import numpy as np
import pytest
from cli_reference import listing, needs

HEADER = "%%MatrixMarket matrix coordinate real general\n"

#: name -> (file text, line the message must name or None, words the message must contain)
MTX_CASES = {
    "truncated": (HEADER + "3 3 4\n1 1 1.5\n3 2 2\n", None, "Truncated file"),
    "truncated-mid-line": (HEADER + "3 3 2\n1 1 1.5\n3 2", 4, "Invalid"),
    "too-many-lines": (HEADER + "3 3 1\n1 1 1.5\n3 2 2\n", 4, "Too many lines"),
    "bad-banner": ("%%MatrixMarkt matrix coordinate real general\n3 3 1\n1 1 1\n", 1, "banner"),
    "no-header": ("3 3 1\n1 1 1\n", 1, "banner"),
    "empty-file": ("", 1, "banner"),
    "unsupported-field": (
        "%%MatrixMarket matrix coordinate quaternion general\n3 3 1\n1 1 1\n", 1, "quaternion"
    ),
    "unsupported-symmetry": (
        "%%MatrixMarket matrix coordinate real diagonal\n3 3 1\n1 1 1\n", 1, "diagonal"
    ),
    "vector": ("%%MatrixMarket vector coordinate real general\n3 1\n1 1\n", None, "Vector"),
    "row-out-of-range": (HEADER + "3 3 2\n1 1 1.5\n4 2 2\n", 4, "out of bounds"),
    "column-out-of-range": (HEADER + "3 3 2\n1 1 1.5\n2 9 2\n", 4, "out of bounds"),
    "zero-index": (HEADER + "3 3 2\n0 1 1.5\n3 2 2\n", 3, "out of bounds"),
    "negative-index": (HEADER + "3 3 2\n-1 1 1.5\n3 2 2\n", 3, "out of bounds"),
    "non-numeric-value": (HEADER + "3 3 2\n1 1 abc\n3 2 2\n", 3, "floating-point"),
    "non-numeric-index": (HEADER + "3 3 2\n1 x 1.0\n3 2 2\n", 3, "integer"),
    "integer-overflow": (
        "%%MatrixMarket matrix coordinate integer general\n3 3 1\n1 1 99999999999999999999999\n",
        3,
        "out of range",
    ),
    "negative-size": (HEADER + "-3 3 2\n1 1 1.5\n3 2 2\n", 2, "negative"),
    "garbage-size": (HEADER + "3 x 2\n1 1 1.5\n3 2 2\n", None, "integer"),
    "complex-missing-imaginary": (
        "%%MatrixMarket matrix coordinate complex general\n3 3 1\n1 1 5\n", 3, "floating-point"
    ),
    "huge-count": (HEADER + "3 3 1000000000000\n1 1 1\n", None, "truncated file"),
    "binary-garbage": (HEADER + "3 3 2\n\x00\x01\x02\n", 3, ""),
    # these two crashed SciPy's reader (1.17) before the text guard
    "nul-after-a-number": (HEADER + "3 3 2\n1 1 1.5\x00\n3 2 2\n", 3, ""),
    "nul-at-the-end": (HEADER + "3 3 1\n1 1 1\x00", 3, ""),
    "dense-truncated": ("%%MatrixMarket matrix array real general\n3 3\n1.0\n2.0\n", None,
                        "truncated"),
    "dense-huge": ("%%MatrixMarket matrix array real general\n1000000 1000000\n1.0\n", None,
                   "truncated file"),
    "symmetric-both-triangles": (
        "%%MatrixMarket matrix coordinate real symmetric\n% c\n3 3 3\n1 2 1.0\n3 3 2\n2 1 5.0\n",
        None, "entry (1, 2) on line 4 and its mirror (2, 1) on line 6",
    ),
}

#: cases about the stored values, which spy (it draws positions only) does not read
VALUE_CASES = {"symmetric-both-triangles"}


def test_integer_duplicates_summing_past_int64_are_refused(tmp_path, run):
    needs("mtx")
    src = tmp_path / "sum.mtx"
    src.write_text("%%MatrixMarket matrix coordinate integer general\n2 2 3\n"
                   "1 1 9223372036854775807\n2 2 4\n1 1 1\n")
    status, out, err = run("convert", src, tmp_path / "out.npz")
    _check_failure(status, out, err, src, words="coordinate (0, 0) (0-based) sum to")
    assert listing(tmp_path) == ["sum.mtx"]
    status, out, err = run("convert", src, tmp_path / "out.npz", "--duplicates", "first")
    assert status == 0, err

#: compressed files whose header claims more than they hold (once aborted the interpreter)
COMPRESSED_CLAIMS = {
    "coordinate": HEADER + "1000000 1000000 1000000000000\n1 1 1.0\n",
    "dense": "%%MatrixMarket matrix array real general\n1000000 1000000\n1.0\n",
}


@pytest.mark.parametrize("compression", ["gz", "bz2"])
@pytest.mark.parametrize("layout", sorted(COMPRESSED_CLAIMS))
def test_compressed_headers_claiming_too_much(layout, compression, tmp_path, run):
    needs("mtx")
    import bz2

    text = COMPRESSED_CLAIMS[layout].encode()
    src = tmp_path / f"claim.mtx.{compression}"
    src.write_bytes(gzip.compress(text) if compression == "gz" else bz2.compress(text))
    for extra in ([], ["--progress"]):
        status, _out, err = run("convert", src, tmp_path / "out.npz", *extra)
        assert status == 2, err
        assert "truncated file: the header declares 1000000000000 entries" in err
    assert listing(tmp_path) == [src.name]


def _check_failure(status, out, err, path, *, line=None, words=""):
    assert status == 2, (status, err)
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err  # one message
    message = lines[0]
    assert message.startswith("arraymask: error: ")
    assert str(path) in message
    if line is not None:
        assert f"line {line}:" in message, message
    assert words.lower() in message.lower(), message


@pytest.mark.parametrize("case", sorted(MTX_CASES))
def test_malformed_matrix_market(case, tmp_path, run):
    needs("mtx")
    text, line, words = MTX_CASES[case]
    src = tmp_path / "bad.mtx"
    src.write_bytes(text.encode("latin-1"))
    dst = tmp_path / "out.npz"
    status, out, err = run("convert", src, dst)
    _check_failure(status, out, err, src, line=line, words=words)
    assert listing(tmp_path) == ["bad.mtx"]  # no output, no temporary file

    status, out, err = run("info", src)
    _check_failure(status, out, err, src, line=line, words=words)


@pytest.mark.parametrize("case", ["truncated", "corrupt", "not-gzip-body"])
def test_malformed_gzip(case, tmp_path, run):
    needs("mtx")
    data = gzip.compress((HEADER + "3 3 2\n1 1 1.5\n3 2 2\n").encode())
    data = {
        "truncated": data[:-12],
        "corrupt": data[:12] + b"\xff" * 8 + data[20:],
        "not-gzip-body": b"\x1f\x8b" + b"garbage" * 3,
    }[case]
    src = tmp_path / "bad.mtx.gz"
    src.write_bytes(data)
    status, out, err = run("convert", src, tmp_path / "out.npz")
    _check_failure(status, out, err, src)
    assert listing(tmp_path) == ["bad.mtx.gz"]


def _npz_bytes(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def _good_npz() -> bytes:
    import scipy.sparse as sp

    buf = io.BytesIO()
    sp.save_npz(buf, sp.coo_array(np.eye(3)))
    return buf.getvalue()


NPZ_CASES = {
    "float-coordinates": (
        lambda: _npz_bytes(format=b"coo", shape=np.array([2, 2]), data=np.ones(2),
                           row=np.array([0.5, 1.0]), col=np.array([0.0, 1.0])),
        "'row' holds positions but has dtype float64",
    ),
    "truncated": (lambda: _good_npz()[:-40], "no complete zip archive"),
    "not-a-zip": (lambda: b"PK\x03\x04 this is not a zip", "no complete zip archive"),
    "text": (lambda: b"hello", "no complete zip archive"),
    "no-format-entry": (lambda: _npz_bytes(a=np.arange(3)), "not a SciPy sparse"),
    "unknown-format": (
        lambda: _npz_bytes(format=b"xyz", shape=np.array([2, 2]), data=np.ones(1)),
        "xyz",
    ),
    "missing-array": (
        lambda: _npz_bytes(format=b"coo", shape=np.array([2, 2]), data=np.ones(1)),
        "row is not a file",
    ),
    "coo-row-out-of-range": (
        lambda: _npz_bytes(
            format=b"coo", shape=np.array([2, 2]), data=np.ones(2),
            row=np.array([0, 5]), col=np.array([0, 1]),
        ),
        "index 5 exceeds",
    ),
    "coo-negative-index": (
        lambda: _npz_bytes(
            format=b"coo", shape=np.array([2, 2]), data=np.ones(2),
            row=np.array([0, 1]), col=np.array([-1, 1]),
        ),
        "negative",
    ),
    "csr-index-out-of-range": (
        lambda: _npz_bytes(
            format=b"csr", shape=np.array([2, 2]), data=np.ones(2),
            indices=np.array([0, 7]), indptr=np.array([0, 1, 2]),
        ),
        "invalid csr structure: indices",
    ),
    "csr-bad-indptr": (
        lambda: _npz_bytes(
            format=b"csr", shape=np.array([2, 2]), data=np.ones(2),
            indices=np.array([0, 1]), indptr=np.array([0, 2, 1]),
        ),
        "invalid csr structure",
    ),
    "length-mismatch": (
        lambda: _npz_bytes(
            format=b"coo", shape=np.array([2, 2]), data=np.ones(3),
            row=np.array([0, 1]), col=np.array([0, 1]),
        ),
        "",
    ),
    "string-values": (
        lambda: _npz_bytes(
            format=b"coo", shape=np.array([2, 2]), data=np.array(["a", "b"]),
            row=np.array([0, 1]), col=np.array([0, 1]),
        ),
        "",
    ),
    "object-values": (
        lambda: _npz_bytes(
            format=b"coo", shape=np.array([2, 2]), data=np.array([1, "b"], dtype=object),
            row=np.array([0, 1]), col=np.array([0, 1]),
        ),
        "pickle",
    ),
}


@pytest.mark.parametrize("case", sorted(NPZ_CASES))
def test_malformed_npz(case, tmp_path, run):
    needs("npz")
    make, words = NPZ_CASES[case]
    src = tmp_path / "bad.npz"
    src.write_bytes(make())
    status, out, err = run("convert", src, tmp_path / "out.mtx")
    _check_failure(status, out, err, src, words=words)
    assert listing(tmp_path) == ["bad.npz"]
    status, out, err = run("info", src)
    _check_failure(status, out, err, src, words=words)


def _npy_bytes(array) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=True)
    return buf.getvalue()


NPY_CASES = {
    "bad-magic": (lambda: b"\x93NUMPX" + _npy_bytes(np.eye(2))[6:], "magic"),
    "truncated": (lambda: _npy_bytes(np.eye(20))[:-100], "truncated"),
    "bad-header": (lambda: _npy_bytes(np.eye(2)).replace(b"'descr'", b"'dexcr'"), "header"),
    "text": (lambda: b"1 2 3\n", "magic"),
    "strings": (lambda: _npy_bytes(np.array([["a", ""]])), "unsupported value type"),
    "objects": (lambda: _npy_bytes(np.array([1, None], dtype=object)), "unsupported value type"),
    "structured": (
        lambda: _npy_bytes(np.zeros(2, dtype=[("a", "i4"), ("b", "f8")])),
        "unsupported value type",
    ),
    "datetime": (
        lambda: _npy_bytes(np.array(["2020-01-01"], dtype="datetime64[D]")),
        "unsupported value type",
    ),
}


@pytest.mark.parametrize("case", sorted(NPY_CASES))
def test_malformed_npy(case, tmp_path, run):
    needs("npz")
    make, words = NPY_CASES[case]
    src = tmp_path / "bad.npy"
    src.write_bytes(make())
    status, out, err = run("convert", src, tmp_path / "out.npz")
    _check_failure(status, out, err, src, words=words)
    assert listing(tmp_path) == ["bad.npy"]


class _NotAllowed:
    """A pickled object that weights_only loading must refuse (never construct)."""

    def __reduce__(self):
        return (print, ("this must never run",))


def _pt_bytes(obj) -> bytes:
    import torch

    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


def _pt_cases():
    import torch

    sparse = torch.sparse_coo_tensor(
        torch.tensor([[0, 1], [1, 0]]), torch.tensor([1.0, 2.0]), (2, 2), check_invariants=True
    )
    bad_index = torch.sparse_coo_tensor(
        torch.tensor([[0, 9], [1, 0]]), torch.tensor([1.0, 2.0]), (2, 2), check_invariants=False
    )
    return {
        "truncated": (lambda: _pt_bytes(sparse)[:200], "torch.load"),
        "garbage": (lambda: b"hello world", "torch.load"),
        "zip-without-tensor": (lambda: _good_npz(), "torch.load"),
        "not-a-tensor": (lambda: _pt_bytes({"a": 1}), "not a tensor"),
        "list-of-tensors": (lambda: _pt_bytes([sparse]), "not a tensor"),
        "arbitrary-pickle": (lambda: _pt_bytes(_NotAllowed()), "weights_only"),
        "index-out-of-range": (lambda: _pt_bytes(bad_index), "out of range"),
        "hybrid": (lambda: _pt_bytes(torch.ones(2, 3).to_sparse(1)), "hybrid"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "truncated", "garbage", "zip-without-tensor", "not-a-tensor", "list-of-tensors",
        "arbitrary-pickle", "index-out-of-range", "hybrid",
    ],
)
def test_malformed_pt(case, tmp_path, run):
    needs("pt", "npz")
    make, words = _pt_cases()[case]
    src = tmp_path / "bad.pt"
    src.write_bytes(make())
    status, out, err = run("convert", src, tmp_path / "out.npz")
    _check_failure(status, out, err, src, words=words)
    assert listing(tmp_path) == ["bad.pt"]  # and out == "": nothing was printed


def test_duplicates_error_names_the_coordinate(tmp_path, run):
    needs("mtx")
    src = tmp_path / "dup.mtx"
    src.write_text(HEADER + "3 3 3\n1 1 1\n2 3 5\n2 3 6\n")
    status, out, err = run("convert", src, tmp_path / "out.npz", "--duplicates", "error")
    _check_failure(status, out, err, src, words="(1, 2)")
    assert listing(tmp_path) == ["dup.mtx"]


def test_failed_run_leaves_existing_destination_intact(tmp_path, run):
    needs("mtx")
    src = tmp_path / "bad.mtx"
    src.write_text(HEADER + "3 3 2\n1 1 1.5\n4 2 2\n")
    dst = tmp_path / "out.npz"
    dst.write_bytes(b"precious")
    status, _, err = run("convert", src, dst, "--force")
    assert status == 2, err
    assert dst.read_bytes() == b"precious"
    assert listing(tmp_path) == ["bad.mtx", "out.npz"]



@pytest.mark.parametrize("side", [300_000_000, 10**12])
def test_dia_with_a_huge_declared_shape_reads_its_few_entries(side, tmp_path, run):
    """SciPy expands DIA through CSR (an index pointer per row): a 1 KB file declaring
    a huge shape allocated gigabytes. The stored diagonal is read without that."""
    needs("npz")
    import scipy.sparse as sp

    small = io.BytesIO()
    sp.save_npz(small, sp.dia_matrix((np.array([[1.0, 2.0, 0.0, 4.0]]), [0]), shape=(4, 4)))
    arrays = dict(np.load(io.BytesIO(small.getvalue())))
    arrays["shape"] = np.array([side, side])
    src = tmp_path / "dia.npz"
    src.write_bytes(_npz_bytes(**arrays))
    dst = tmp_path / "out.npz"
    status, _out, err = run("convert", src, dst)
    assert status == 0, err
    got = sp.load_npz(dst)
    assert got.shape == (side, side)
    assert got.coords[0].tolist() == [0, 1, 3] and got.data.tolist() == [1.0, 2.0, 4.0]
