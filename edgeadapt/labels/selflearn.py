"""The wake word's self-learning rule: a pure function from facts to a decision and a reason.

A near miss (a window that scored just under the threshold) followed by a detection is
*probably* a first attempt that the user repeated. "Probably" is not enough: a near miss
followed by a *false* accept would teach the detector to fire on sound-alikes, and then
it fires on them more. :func:`decide` therefore accepts a near miss only when every one
of these holds, and says which failed otherwise:

1. learning is on;
2. the confirming detection matched an entry the user gave (not a self-learned one, which
   could feed a mistake back into itself);
3. the confirming detection is itself confident: its score is at least ``confident``
   (the threshold plus the near-miss band: as far above the threshold as a near miss may
   be below it) and the verifier passed it;
4. the near miss aligns with the confirming utterance: their windows' cosine similarity
   reaches ``min_alignment`` (the detection threshold: the near miss must match the
   repeat as well as a detection must match a template);
5. it does not resemble recent audio that was not the keyword (``max_background``: the
   detection threshold, i.e. as a template it would not have fired on that audio);
6. the rate limit, counted in *stream* seconds, allows one more;
7. the canaries still pass with the entry added: every enrolled utterance is still
   accepted by the verifier, and no stored hard negative (a detection the user
   rejected) would fire on the new entry.

Examples
--------
>>> facts = Facts(learn=True, by_user=True, confirm_score=0.7, confirm_verified=True,
...               alignment=0.8, background_match=0.1, rate_ok=True, canaries_ok=True,
...               canary_detail="")
>>> decide(facts, Rule(confident=0.49, min_alignment=0.43, max_background=0.8))
Decision(accept=True, reason='near miss followed by a confident detection it aligns with')
>>> decide(replace(facts, confirm_score=0.45), Rule(0.49, 0.43, 0.8)).reason
'the confirming detection was not confident (score 0.450 < 0.490)'
"""

from __future__ import annotations

from dataclasses import dataclass, replace

__all__ = ["Facts", "Rule", "Decision", "decide", "replace"]


@dataclass(frozen=True)
class Facts:
    """What is known about one near miss and the detection that followed it."""

    learn: bool
    by_user: bool
    confirm_score: float
    confirm_verified: bool
    alignment: float
    background_match: float
    rate_ok: bool
    canaries_ok: bool
    canary_detail: str
    rate_detail: str = ""


@dataclass(frozen=True)
class Rule:
    """The thresholds of :func:`decide` (see the module docstring)."""

    confident: float
    min_alignment: float
    max_background: float


@dataclass(frozen=True)
class Decision:
    accept: bool
    reason: str


def decide(facts: Facts, rule: Rule) -> Decision:
    """Accept or decline a near miss; the reason names the first condition that failed."""
    if not facts.learn:
        return Decision(False, "learning is off")
    if not facts.by_user:
        return Decision(False, "the detection that followed matched a self-learned entry, not an enrolled one")
    if facts.confirm_score < rule.confident:
        return Decision(False, f"the confirming detection was not confident (score {facts.confirm_score:.3f} "
                               f"< {rule.confident:.3f})")
    if not facts.confirm_verified:
        return Decision(False, "the confirming detection did not pass the verifier")
    if facts.alignment < rule.min_alignment:
        return Decision(False, f"the near miss does not match the confirming utterance (similarity "
                               f"{facts.alignment:.2f} < {rule.min_alignment:.2f})")
    if facts.background_match >= rule.max_background:
        return Decision(False, f"it resembles recent audio that was not the wake word (similarity "
                               f"{facts.background_match:.2f})")
    if not facts.rate_ok:
        return Decision(False, f"rate limit (in stream time{': ' + facts.rate_detail if facts.rate_detail else ''}) "
                               "reached")
    if not facts.canaries_ok:
        return Decision(False, f"a canary failed with the entry added: {facts.canary_detail}")
    return Decision(True, "near miss followed by a confident detection it aligns with")
