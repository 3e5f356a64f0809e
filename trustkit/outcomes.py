"""The course's outcome models: trust -> disclosure, and trust (+ a shared decision) -> adherence.

Both are **educational approximations**, not clinical predictions: logistic curves whose
direction follows the literature and whose size is set from published figures, some of which
measured something other than what the model uses them for. Each figure below says what it
measured and how the model borrows it; the course repeats this wherever the curves are shown.

Adherence::

    logit(p) = B0 + B_TRUST * z + B_FIT * fit
    z   = (overall trust - 50) / TRUST_SD      (TRUST_SD = 20 points: an assumption)
    fit = 1 if the decision fits the patient's values, else 0

- ``B_TRUST = 2 * ln(1.36)``: in inflammatory bowel disease, trust half a standard deviation
  higher came with 36% higher odds of adherence (Nguyen GC et al. 2009, Inflamm Bowel Dis
  15:1233), so one SD doubles the log-odds ratio. This is the one term measured on trust itself.
- ``B_FIT = ln(1.62)``: **a borrowed size.** 1.62 is the odds ratio for adherence when
  *physicians were trained in communication* (Zolnierek & DiMatteo 2009, Med Care 47:826); it
  is not an effect of a decision that fits the patient's values. No comparable pooled figure
  for value-fitting decisions is used here (decision aids make value-congruent choices more
  likely, but their effect on adherence is unclear: Stacey et al. 2017), so the model borrows
  the training effect as an illustrative stand-in for "a plan reached with good, shared
  communication". Its size is an assumption.
- ``B0``: **a borrowed range.** Safran et al. (1998, J Fam Pract 47:213; n = 7204) found
  adherence of 16.8% and 44.0% at the 5th and 95th percentiles of the *doctor's whole-person
  knowledge of the patient* - not of trust (trust was the other factor most strongly linked to
  adherence in that study, but the 16.8-44.0% figures are for knowledge). The model places a
  patient of middling trust halfway (on the logit scale) between the two, using them only as a
  plausible span for adherence in primary care.

Disclosure (the model's chance that a patient shares a given sensitive fact when asked)::

    logit(q) = D0 + D_TRUST * z

- ``D0``: **an illustrative anchor.** Levy et al. (2018, JAMA Netw Open 1:e185293) found that
  81.1% and 61.4% of two US online samples had *ever* withheld at least one of seven kinds of
  medically relevant information from a clinician (mostly for fear of being judged or lectured).
  That is a lifetime prevalence over seven kinds of information, not the chance of sharing one
  given fact in one visit. The model takes the complement of their mean (1 - 71.25% = 28.75%)
  as its per-fact chance at middling trust, because no per-fact figure exists; treat it as an
  assumption of the right order, not as Levy's finding.
- ``D_TRUST = ln(2)``: odds of disclosure double per SD of trust. **An illustrative
  assumption**, not a published figure.
"""

from __future__ import annotations

import math

TRUST_SD = 20.0
B_TRUST = 2 * math.log(1.36)
B_FIT = math.log(1.62)
B0 = (math.log(0.168 / 0.832) + math.log(0.44 / 0.56)) / 2
D0 = math.log(0.2875 / 0.7125)
D_TRUST = math.log(2.0)

ADHERENCE_LABEL = (
    "Educational approximation, not a clinical prediction: the rise with trust follows one "
    "study of trust and adherence (Nguyen 2009); the range and the shared-decision bonus borrow "
    "figures measured for other things (Safran 1998: the doctor's knowledge of the patient; "
    "Zolnierek & DiMatteo 2009: communication training), so their sizes are assumptions."
)
DISCLOSURE_LABEL = (
    "Educational approximation: an illustrative curve. Its level at middling trust is set from "
    "Levy 2018, who found that about 7 in 10 people had ever held back at least one kind of "
    "information - a different measure, used only as a rough anchor - and its slope (odds "
    "double per 20 trust points) is our assumption."
)
CITATIONS = {
    "nguyen2009": "Nguyen GC, LaVeist TA, Harris ML, et al. Patient trust-in-physician and race "
    "are predictors of adherence to medical management in inflammatory bowel disease. "
    "Inflamm Bowel Dis 2009;15:1233-9.",
    "zolnierek2009": "Zolnierek KBH, DiMatteo MR. Physician communication and patient adherence "
    "to treatment: a meta-analysis. Med Care 2009;47:826-34.",
    "safran1998": "Safran DG, Taira DA, Rogers WH, et al. Linking primary care performance to "
    "outcomes of care. J Fam Pract 1998;47:213-20.",
    "levy2018": "Levy AG, Scherer AM, Zikmund-Fisher BJ, et al. Prevalence of and factors "
    "associated with patient nondisclosure of medically relevant information to clinicians. "
    "JAMA Netw Open 2018;1:e185293.",
    "stacey2017": "Stacey D, Legare F, Lewis K, et al. Decision aids for people facing health "
    "treatment or screening decisions. Cochrane Database Syst Rev 2017;4:CD001431.",
    "birkhauer2017": "Birkhauer J, Gaab J, Kossowsky J, et al. Trust in the health care "
    "professional and health outcome: a meta-analysis. PLoS ONE 2017;12:e0170988.",
}


def _logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def estimate_adherence(trust: float, fits_values: bool | None) -> float:
    """The model's adherence (0-1) from overall trust (0-100) and decision fit.

    An educational approximation: see the module docstring for what each figure measured.
    """
    z = (trust - 50.0) / TRUST_SD
    return _logistic(B0 + B_TRUST * z + (B_FIT if fits_values else 0.0))


def estimate_disclosure(trust: float) -> float:
    """The model's chance (0-1) that a patient shares a given sensitive fact when asked.

    An illustrative curve, not a published per-fact probability (see the module docstring).
    """
    return _logistic(D0 + D_TRUST * (trust - 50.0) / TRUST_SD)


def facts_known(trust: float, n_sensitive: int = 3) -> float:
    """Expected number of ``n_sensitive`` sensitive facts a clinician learns at this trust."""
    return n_sensitive * estimate_disclosure(trust)
