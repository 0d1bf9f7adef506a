"""The Hugging Face warper chain as a live peer (where ``transformers`` is installed).

``TemperatureLogitsWarper -> TopKLogitsWarper -> TopPLogitsWarper -> MinPLogitsWarper``
is ``order="sequential"``. The documented differences: Hugging Face's top-k keeps
every token tied with the k-th logit (arraymask keeps exactly k, ties to the lower
index); among tokens tied at the top-p boundary it keeps whichever ``torch.sort``
ordered first (arraymask: the lower index); and it sums float32 probabilities, so a
running sum within float32 rounding of ``top_p`` may fall on the other side. Its
top-p rule itself (drop the tokens whose ascending cumulative probability is
``<= 1 - top_p``) keeps the crossing token, as arraymask does.
"""

from __future__ import annotations

import numpy as np
import pytest
from _reference import ideal

import arraymask as am

torch = pytest.importorskip("torch")
logits_process = pytest.importorskip("transformers.generation.logits_process")


def _chain(x, t, k, p, mp):
    lp = logits_process
    warpers = [lp.TemperatureLogitsWarper(t)]
    if k is not None:
        warpers.append(lp.TopKLogitsWarper(k))
    if p is not None:
        warpers.append(lp.TopPLogitsWarper(p))
    if mp is not None:
        warpers.append(lp.MinPLogitsWarper(mp))
    ids = torch.zeros((x.shape[0], 1), dtype=torch.long)
    return lp.LogitsProcessorList(warpers)(ids, x)


@pytest.mark.parametrize("case", [
    {"t": 1.0, "k": 50, "p": 0.9, "mp": None},
    {"t": 0.7, "k": None, "p": 0.8, "mp": None},
    {"t": 1.3, "k": 20, "p": None, "mp": 0.05},
    {"t": 0.9, "k": 40, "p": 0.95, "mp": 0.02},
])
def test_the_warper_chain_agrees_away_from_float32_boundaries(case):
    rng = np.random.default_rng(7)
    host = (rng.standard_normal((32, 500)) * 3).astype(np.float32)
    keep = []
    for r in range(host.shape[0]):
        _, margin = ideal(host[r].astype(np.float64), k=case["k"], p=case["p"], mp=case["mp"],
                          t=case["t"])
        keep.append(margin > 1e-5)  # float32 sums of 500 terms are good to ~1e-6
    x = torch.from_numpy(host)
    theirs = _chain(x.clone(), case["t"], case["k"], case["p"], case["mp"])
    ours = am.filter_logits(x, top_k=case["k"], top_p=case["p"], min_p=case["mp"],
                            temperature=case["t"])
    rows = np.array(keep)
    assert rows.sum() >= 28
    np.testing.assert_array_equal(torch.isfinite(ours).numpy()[rows],
                                  torch.isfinite(theirs).numpy()[rows])
    finite = torch.isfinite(ours)
    np.testing.assert_allclose(ours[finite].numpy(), theirs[finite].numpy(), rtol=2e-7)


def test_documented_difference_ties_at_the_kth_logit():
    x = torch.tensor([[3.0, 1.0, 2.0, 2.0, 2.0, 0.0]])
    theirs = torch.isfinite(_chain(x.clone(), 1.0, 2, None, None))
    ours = am.sampling_mask(x, top_k=2)
    assert theirs.tolist() == [[True, False, True, True, True, False]]  # ties kept
    assert ours.tolist() == [[True, False, True, False, False, False]]  # exactly k
    assert am.topk_mask(x, 2, ties="all").tolist() == theirs.tolist()


def test_the_crossing_token_is_kept_by_both():
    x = torch.log(torch.tensor([[0.5, 0.25, 0.15, 0.1]], dtype=torch.float64)).float()
    for p, kept in ((0.6, 2), (0.8, 3), (0.95, 4)):
        theirs = torch.isfinite(_chain(x.clone(), 1.0, None, p, None))
        assert am.sampling_mask(x, top_p=p).tolist() == theirs.tolist()
        assert int(theirs.sum()) == kept


def test_documented_difference_ties_at_the_top_p_boundary():
    # two tokens of 1/8 share the crossing: arraymask keeps the lower index, Hugging
    # Face whichever torch.sort put last
    x = torch.log(torch.tensor([[0.5, 0.25, 0.125, 0.125]], dtype=torch.float64)).float()
    ours = am.sampling_mask(x, top_p=0.8)
    theirs = torch.isfinite(_chain(x.clone(), 1.0, None, 0.8, None))
    assert ours.tolist() == [[True, True, True, False]]
    assert int(theirs.sum()) == 3 and theirs[0, :2].all()
