"""Split a batch's work over threads: independent chunks of samples run at once.

The samples of a batch do not depend on each other, so a convolution's chunks of samples
(:func:`.im2col.sample_chunks`) can run on several threads together, each with one-thread matrix
products.  That is how glassnet spends its threads when the step timer (:mod:`glassnet.thread_tuner`)
finds it faster than threads inside each product (:class:`glassnet.config.ThreadSetting`).

Outputs indexed by sample (z, dx, the pooled maps) are written by the part that owns the samples.
Sums over the batch (dW, db) are *accumulators*: each part adds into its own zeroed copy, and the
copies are added together at the end, so no two threads ever write the same memory.  The sum's
rounding can differ in the last bit from a one-thread run (another order of additions), as with
any multi-threaded BLAS.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ... import jit
from ...backend import xp
from .im2col import sample_chunks


def split_count(chunks: int, products: bool = True) -> int:
    """How many threads ``chunks`` chunks go over, at most one per chunk.

    Work with matrix products splits over :func:`glassnet.jit.product_parts` (with two BLAS threads
    per product and two threads in all, one part at a time); work without over :func:`glassnet.jit.workers`.
    One on a backend other than NumPy (a GPU parallelises each op itself).
    """
    if xp.__name__ != "numpy":
        return 1
    return max(1, min(jit.product_parts() if products else jit.workers(), chunks))


def sample_parts(n: int, parts: int) -> list[slice]:
    """``n`` samples cut into at most ``parts`` contiguous ranges of near-equal size (none empty)."""
    parts = max(1, min(parts, n))
    bounds = [n * k // parts for k in range(parts + 1)]
    return [slice(lo, hi) for lo, hi in zip(bounds[:-1], bounds[1:])]


def batch_chunks(n: int, per_sample: int, row: int) -> list[slice]:
    """:func:`.im2col.sample_chunks`, cut finer when there are fewer chunks than threads to run them."""
    chunks = sample_chunks(n, per_sample, row)
    threads = split_count(n)
    return sample_parts(n, threads) if len(chunks) < threads else chunks


def run_chunks(work: Callable[..., None], chunks: Sequence[slice], accumulators: Sequence[Any] = (),
               products: bool = True) -> None:
    """``work(chunks_of_a_part, *accumulators_of_the_part)`` for the chunks dealt over the threads.

    ``products``: whether the work does matrix products (see :func:`split_count`).
    Part i gets every ``threads``-th chunk from the i-th, and its own zeroed copy of each accumulator
    (part 0 the accumulators themselves; None stays None); the copies are added in after.
    """
    threads = split_count(len(chunks), products)
    copies = [list(accumulators)] + [[None if a is None else xp.zeros_like(a) for a in accumulators]
                                     for _ in range(threads - 1)]
    jit.run_parts(work, [(list(chunks[i::threads]), *copies[i]) for i in range(threads)])
    for extra in copies[1:]:
        for total, part in zip(accumulators, extra):
            if total is not None:
                total += part


def split_matmul(a: Any, b: Any) -> Any:
    """``a @ b`` dealt over the parts of :func:`split_count` (one-thread products).

    For a large product that follows split work (the LSTM's dW and dx after its loop over the steps):
    with threads over the batch the BLAS has one thread, so without this the product would run on one
    core while the others wait.  A tall ``a`` (more rows than the inner dimension: dx = dZ W^T) is cut
    by rows, each part writing its own rows of the result.  A wide one (dW = X^T dZ, a sum over the
    T * batch rows of X and dZ) is cut along the inner dimension: each part sums its share of the rows
    into its own partial product, and the partials are added (each part then reads only its share of
    the big operands: 20% faster than cutting the rows of the 157 x 512 result for the MNIST LSTM).
    """
    rows, inner = a.shape
    along_inner = rows < inner
    parts = split_count((inner if along_inner else rows) // 16)  # >= 16 rows a part, or the hand-off costs more
    if parts < 2:
        return a @ b
    if along_inner:
        partials: list[Any] = [None] * parts

        def partial(i: int, r: slice) -> None:
            partials[i] = a[:, r] @ b[r]
        jit.run_parts(partial, list(enumerate(sample_parts(inner, parts))))
        out = partials[0]
        for extra in partials[1:]:
            out += extra
        return out
    out = xp.empty((rows, b.shape[1]), dtype=xp.result_type(a, b))
    jit.run_parts(lambda r: xp.matmul(a[r], b, out=out[r]), [(r,) for r in sample_parts(rows, parts)])
    return out


__all__ = ["batch_chunks", "run_chunks", "sample_parts", "split_count", "split_matmul"]
