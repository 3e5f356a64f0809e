"""The course's outcome models: trust -> disclosure, and trust (+ a shared decision) -> adherence.

Both are **educational approximations**, not clinical predictions: logistic curves anchored to
published effect sizes so that learners can see the direction and rough size of each link.

Adherence::

    logit(p) = B0 + B_TRUST * z + B_FIT * fit
    z   = (overall trust - 50) / TRUST_SD      (TRUST_SD = 20 points: an assumption)
    fit = 1 if the decision fits the patient's values, else 0

- ``B_TRUST = 2 * ln(1.36)``: +0.5 SD of trust gave 36% higher odds of adherence
  (Nguyen GC et al. 2009, Inflamm Bowel Dis 15:1233), so one SD doubles the log-odds ratio.
- ``B_FIT = ln(1.62)``: communication training raised the odds of adherence 1.62-fold
  (Zolnierek & DiMatteo 2009, Med Care 47:826); a shared, value-fitting decision stands in for it.
- ``B0`` puts a patient of middling trust halfway (on the logit scale) between the adherence of
  16.8% and 44.0% that Safran et al. (1998, J Fam Pract 47:213) found at the 5th and 95th
  percentiles of the doctor's knowledge of the patient.

Disclosure (the chance that a patient shares a sensitive fact when asked)::

    logit(q) = D0 + D_TRUST * z

- ``D0``: at middling trust, 71% of patients withhold something - the mean of the 81.1% and
  61.4% of two US samples who withheld at least one thing from a clinician, mostly for fear of
  being judged (Levy et al. 2018, JAMA Netw Open 1:e185293), so q = 0.29.
- ``D_TRUST = ln(2)``: odds of disclosure double per SD of trust. **An illustrative
  assumption**, not a published figure; the course says so wherever it is shown.
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
    "Educational approximation, not a clinical prediction: a logistic model anchored to "
    "published effect sizes (Nguyen 2009; Zolnierek & DiMatteo 2009; Safran 1998)."
)
DISCLOSURE_LABEL = (
    "Educational approximation: anchored to how many patients withhold information (Levy 2018); "
    "the slope (odds double per 20 trust points) is an illustrative assumption."
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
    "birkhauer2017": "Birkhauer J, Gaab J, Kossowsky J, et al. Trust in the health care "
    "professional and health outcome: a meta-analysis. PLoS ONE 2017;12:e0170988.",
}


def _logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def estimate_adherence(trust: float, fits_values: bool | None) -> float:
    """Estimated probability of adherence (0-1) from overall trust (0-100) and decision fit."""
    z = (trust - 50.0) / TRUST_SD
    return _logistic(B0 + B_TRUST * z + (B_FIT if fits_values else 0.0))


def estimate_disclosure(trust: float) -> float:
    """Estimated chance (0-1) that a patient shares a sensitive fact when asked."""
    return _logistic(D0 + D_TRUST * (trust - 50.0) / TRUST_SD)


def facts_known(trust: float, n_sensitive: int = 3) -> float:
    """Expected number of ``n_sensitive`` sensitive facts a clinician learns at this trust."""
    return n_sensitive * estimate_disclosure(trust)
