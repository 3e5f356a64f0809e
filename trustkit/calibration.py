"""Agreement between raters, and between a learner and the reference panel.

Everything here is pure Python (no numpy, no scipy), so it runs anywhere the course runs.

* :func:`icc` - the six intraclass correlation forms of Shrout & Fleiss (1979, Psychol Bull
  86:420) with 95% confidence intervals from the F distribution (Shrout & Fleiss 1979;
  McGraw & Wong 1996, Psychol Methods 1:30). The naming follows Shrout & Fleiss:
  ICC(1,1) one-way random; ICC(2,1) two-way random, absolute agreement (the one to report for
  raters who stand for a larger pool of raters, Koo & Li 2016, J Chiropr Med 15:155);
  ICC(3,1) two-way mixed, consistency; and the ``k`` forms for the mean of the k raters.
* :func:`cohen_kappa` - Cohen's kappa (1960), unweighted or with linear or quadratic
  disagreement weights (Cohen 1968, Psychol Bull 70:213).
* :func:`krippendorff_alpha` - Krippendorff's alpha for nominal, ordinal, interval or ratio data,
  with missing values (Krippendorff 2011, "Computing Krippendorff's alpha-reliability").
* :func:`compare` - a learner's ratings against reference ratings: agreement, bias, the items
  furthest apart, and Bland-Altman limits of agreement (Bland & Altman 1986, Lancet 327:307).

Input model: an *items x raters* matrix (a list of rows, one row per rated item, one column per
rater) with ``None`` for a missing rating. :func:`matrix_from_long` builds one from
``(item, rater, score)`` rows.

The F quantiles for the confidence intervals come from our own regularized incomplete beta
function (Lentz's continued fraction, as in Press et al., *Numerical Recipes*, 3rd ed., 6.4)
inverted by bisection; the tests check it against scipy.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from trustkit.errors import TrustkitError

Matrix = Sequence[Sequence[float | None]]
ICC_FORMS: tuple[str, ...] = (
    "ICC(1,1)",
    "ICC(2,1)",
    "ICC(3,1)",
    "ICC(1,k)",
    "ICC(2,k)",
    "ICC(3,k)",
)
"""The six Shrout & Fleiss forms, in the order of their paper."""

KOO_LI_LABELS: tuple[tuple[float, str], ...] = (
    (0.5, "poor"),
    (0.75, "moderate"),
    (0.9, "good"),
)
"""Koo & Li (2016) guideline: below 0.50 poor, 0.50-0.75 moderate, 0.75-0.90 good, above excellent."""


# =============================================================================================
# The F distribution, from scratch
# =============================================================================================
def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction for the incomplete beta function (modified Lentz method)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = 1.0
    d = 1.0 - qab * x / qap
    d = tiny if abs(d) < tiny else d
    d = 1.0 / d
    h = d
    for m in range(1, 10_000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = tiny if abs(d) < tiny else d
        c = 1.0 + aa / c
        c = tiny if abs(c) < tiny else c
        d = 1.0 / d
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = tiny if abs(d) < tiny else d
        c = 1.0 + aa / c
        c = tiny if abs(c) < tiny else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return h


def betainc(a: float, b: float, x: float) -> float:
    """The regularized incomplete beta function I_x(a, b) for a, b > 0 and 0 <= x <= 1."""
    if a <= 0 or b <= 0:
        raise ValueError("betainc needs a > 0 and b > 0")
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    front = math.exp(log_front)
    # the continued fraction converges fast for x < (a + 1) / (a + b + 2); use symmetry otherwise
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def f_cdf(x: float, df1: float, df2: float) -> float:
    """P(F <= x) for an F distribution with ``df1`` and ``df2`` degrees of freedom."""
    if df1 <= 0 or df2 <= 0:
        raise ValueError("degrees of freedom must be positive")
    if x <= 0:
        return 0.0
    if math.isinf(x):
        return 1.0
    if df1 * x <= df2:
        return betainc(df1 / 2.0, df2 / 2.0, df1 * x / (df1 * x + df2))
    # in the upper tail compute 1 - I_z(df2/2, df1/2) with z = df2 / (df2 + df1 x): no
    # cancellation in 1 - x when x is close to 1
    return 1.0 - betainc(df2 / 2.0, df1 / 2.0, df2 / (df2 + df1 * x))


def f_ppf(q: float, df1: float, df2: float) -> float:
    """The F quantile: the x with P(F <= x) = q (0 < q < 1), by bisection on the beta scale.

    With X ~ Beta(df1/2, df2/2), F = (df2 X) / (df1 (1 - X)); bisection on X in (0, 1) is
    monotone and always converges; for quantiles near X = 1 it solves for 1 - X instead,
    so very large F quantiles (tiny degrees of freedom) keep their precision.
    """
    if not 0.0 < q < 1.0:
        raise ValueError("the probability must lie strictly between 0 and 1")
    if df1 <= 0 or df2 <= 0:
        raise ValueError("degrees of freedom must be positive")
    a, b = df1 / 2.0, df2 / 2.0

    def solve(fn, target: float) -> float:
        lo, hi = 0.0, 1.0
        for _ in range(400):
            mid = (lo + hi) / 2.0
            if mid in (lo, hi):
                break
            if fn(mid) < target:
                lo = mid
            else:
                hi = mid
        return (lo + hi) / 2.0

    xb = solve(lambda x: betainc(a, b, x), q)
    if xb <= 0.5:
        return df2 * xb / (df1 * (1.0 - xb))
    # near 1, solve for y = 1 - x instead (I_y(b, a) = 1 - q), which keeps full precision
    yb = solve(lambda y: betainc(b, a, y), 1.0 - q)
    if yb <= 0.0:
        return math.inf
    return df2 * (1.0 - yb) / (df1 * yb)


# =============================================================================================
# Matrices
# =============================================================================================
def _is_number(value: object) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(float(value))  # type: ignore[arg-type]
    )


def _check_matrix(matrix: Matrix) -> list[list[float | None]]:
    rows = [list(r) for r in matrix]
    if not rows:
        raise TrustkitError("the ratings matrix is empty: there are no rated items.")
    k = len(rows[0])
    for i, row in enumerate(rows, start=1):
        if len(row) != k:
            raise TrustkitError(
                f"row {i} of the ratings matrix has {len(row)} ratings, the first row has {k}."
            )
        for j, v in enumerate(row):
            if v is not None and not _is_number(v):
                raise TrustkitError(f"row {i}, rater {j + 1}: {v!r} is not a finite number.")
    return [[None if v is None else float(v) for v in row] for row in rows]


def matrix_from_long(
    rows: Iterable[tuple[Hashable, Hashable, float | None]],
) -> tuple[list[Hashable], list[Hashable], list[list[float | None]]]:
    """``(item, rater, score)`` rows -> ``(item ids, rater ids, items x raters matrix)``.

    Items and raters keep the order in which they first appear; a pair never rated is ``None``.
    A pair rated twice raises :class:`TrustkitError`.
    """
    items: dict[Hashable, int] = {}
    raters: dict[Hashable, int] = {}
    cells: dict[tuple[int, int], float | None] = {}
    for item, rater, score in rows:
        i = items.setdefault(item, len(items))
        j = raters.setdefault(rater, len(raters))
        if (i, j) in cells:
            raise TrustkitError(f"rater {rater} rated item {item} twice.")
        cells[(i, j)] = score
    matrix = [[cells.get((i, j)) for j in range(len(raters))] for i in range(len(items))]
    return list(items), list(raters), matrix


# =============================================================================================
# ICC
# =============================================================================================
@dataclass(frozen=True)
class ICCResult:
    """One ICC form: value, 95% CI, and the F test of the null hypothesis ICC = 0."""

    form: str
    value: float | None
    ci95: tuple[float, float] | None
    f_value: float | None
    df1: float
    df2: float
    p_value: float | None
    label: str | None  # Koo & Li (2016) interpretation of the point estimate

    def to_dict(self) -> dict[str, object]:
        return {
            "value": self.value,
            "ci95": list(self.ci95) if self.ci95 else None,
            "F": self.f_value,
            "df1": self.df1,
            "df2": self.df2,
            "p": self.p_value,
            "label": self.label,
        }


@dataclass(frozen=True)
class MeanSquares:
    """The two-way ANOVA of an items x raters table (Shrout & Fleiss 1979, Table 2)."""

    n: int  # targets (items)
    k: int  # judges (raters)
    bms: float  # between targets
    wms: float  # within targets (one-way)
    jms: float  # between judges
    ems: float  # residual (two-way)


def interpret_icc(value: float | None) -> str | None:
    """Koo & Li (2016): <0.50 poor, 0.50-0.75 moderate, 0.75-0.90 good, >0.90 excellent."""
    if value is None or math.isnan(value):
        return None
    for bound, label in KOO_LI_LABELS:
        if value < bound:
            return label
    return "excellent"


def complete_rows(matrix: Matrix) -> tuple[list[list[float]], int]:
    """The rows with a rating from every rater, and how many rows were dropped."""
    rows = _check_matrix(matrix)
    full = [[float(v) for v in r] for r in rows if all(v is not None for v in r)]  # type: ignore[arg-type]
    return full, len(rows) - len(full)


def mean_squares(matrix: Matrix) -> MeanSquares:
    """ANOVA mean squares of a complete items x raters table (needs n >= 2 and k >= 2)."""
    rows, dropped = complete_rows(matrix)
    if dropped:
        raise TrustkitError(f"{dropped} item(s) lack a rating from some rater; the ICC needs all.")
    n = len(rows)
    k = len(rows[0]) if rows else 0
    if n < 2 or k < 2:
        raise TrustkitError(
            f"the ICC needs at least 2 items rated by at least 2 raters (got {n} x {k})."
        )
    grand = sum(map(sum, rows)) / (n * k)
    row_means = [sum(r) / k for r in rows]
    col_means = [sum(r[j] for r in rows) / n for j in range(k)]
    ss_total = sum((v - grand) ** 2 for r in rows for v in r)
    ss_rows = k * sum((m - grand) ** 2 for m in row_means)
    ss_cols = n * sum((m - grand) ** 2 for m in col_means)
    # sums of squares found by subtraction keep rounding residue (1e-15 where the truth is 0),
    # which would turn a 0/0 into a meaningless ICC of 1e16: snap such residue to exactly 0
    tiny = 1e-12 * max(ss_total, 1.0)
    ss_rows, ss_cols = (0.0 if abs(v) < tiny else v for v in (ss_rows, ss_cols))
    ss_within = ss_total - ss_rows
    ss_error = ss_total - ss_rows - ss_cols
    ss_within, ss_error = (0.0 if abs(v) < tiny else v for v in (ss_within, ss_error))
    return MeanSquares(
        n=n,
        k=k,
        bms=ss_rows / (n - 1),
        wms=ss_within / (n * (k - 1)),
        jms=ss_cols / (k - 1),
        ems=max(ss_error, 0.0) / ((n - 1) * (k - 1)),
    )


def _div(a: float, b: float) -> float | None:
    """a / b, or None when b is zero up to rounding (an ICC whose denominator vanishes is
    undefined; dividing by a 1e-16 residue would report a meaningless 1e16)."""
    return None if abs(b) <= 1e-12 * max(1.0, abs(a)) else a / b


def _f_test(f0: float | None, df1: float, df2: float) -> float | None:
    if f0 is None or df1 <= 0 or df2 <= 0:
        return None
    return 1.0 - f_cdf(f0, df1, df2)


def icc(matrix: Matrix, alpha: float = 0.05) -> dict[str, ICCResult]:
    """All six Shrout & Fleiss (1979) ICC forms of a complete items x raters matrix.

    Rows with a missing rating are dropped first (the ANOVA needs a complete table); the caller
    can count them with :func:`complete_rows`. The ``k`` in ``ICC(1,k)`` etc. is the number of
    raters. Confidence intervals (level ``1 - alpha``):

    * ICC(1,*) and ICC(3,*): exact, from F0 = BMS/WMS (df n-1, n(k-1)) and F0 = BMS/EMS
      (df n-1, (n-1)(k-1)) respectively (Shrout & Fleiss 1979, equations 6-7 and 11-12).
    * ICC(2,1): the Satterthwaite approximation of Shrout & Fleiss (1979, equations 8-10);
      ICC(2,k): McGraw & Wong (1996, Table 7, case 2A) with the same degrees of freedom
      (the convention of R's ``psych::ICC``).

    A value or bound that would divide by zero (for instance perfect agreement, where the
    residual mean square is 0) is reported as ``None``.
    """
    full, _ = complete_rows(matrix)
    ms = mean_squares(full)
    n, k = ms.n, ms.k
    bms, wms, jms, ems = ms.bms, ms.wms, ms.jms, ms.ems
    q = 1.0 - alpha / 2.0
    out: dict[str, ICCResult] = {}

    def result(form: str, value: float | None, ci, f0, df1, df2) -> ICCResult:
        return ICCResult(
            form=form,
            value=value,
            ci95=ci,
            f_value=f0,
            df1=df1,
            df2=df2,
            p_value=_f_test(f0, df1, df2),
            label=interpret_icc(value),
        )

    def ratio_form(error_ms: float, df2: float) -> tuple[Any, ...]:
        """ICC(x,1), ICC(x,k), their CIs and F for the forms that compare BMS with one error MS
        (one-way: WMS; two-way consistency: EMS), after Shrout & Fleiss (1979)."""
        df1 = n - 1
        f = _div(bms, error_ms)
        single = _div(bms - error_ms, bms + (k - 1) * error_ms)
        average = _div(bms - error_ms, bms)
        ci_single = ci_average = None
        if f is not None and f > 0:
            fl = f / f_ppf(q, df1, df2)
            fu = f * f_ppf(q, df2, df1)
            ci_single = ((fl - 1) / (fl + k - 1), (fu - 1) / (fu + k - 1))
            ci_average = (1 - 1 / fl, 1 - 1 / fu)
        return single, average, ci_single, ci_average, f, df1, df2

    # ---- one-way random: ICC(1,1), ICC(1,k)
    v11, v1k, ci11, ci1k, f0, df1, df2 = ratio_form(wms, n * (k - 1))
    out["ICC(1,1)"] = result("ICC(1,1)", v11, ci11, f0, df1, df2)
    out["ICC(1,k)"] = result("ICC(1,k)", v1k, ci1k, f0, df1, df2)

    # ---- two-way mixed, consistency: ICC(3,1), ICC(3,k)
    v31, v3k, ci31, ci3k, f3, df1, df2 = ratio_form(ems, (n - 1) * (k - 1))

    # ---- two-way random, absolute agreement: ICC(2,1), ICC(2,k)
    v21 = _div(bms - ems, bms + (k - 1) * ems + k * (jms - ems) / n)
    v2k = _div(bms - ems, bms + (jms - ems) / n)
    ci21 = ci2k = None
    fj = _div(jms, ems)
    if v21 is not None and fj is not None:
        r = v21
        a = k * r / (n * (1 - r)) if r != 1 else None
        b = 1 + k * r * (n - 1) / (n * (1 - r)) if r != 1 else None
        if a is not None and b is not None:
            vn = (a * jms + b * ems) ** 2
            vd = (a * jms) ** 2 / (k - 1) + (b * ems) ** 2 / ((n - 1) * (k - 1))
            v = vn / vd if vd > 0 else None
            if v is not None and v > 0:
                fs = f_ppf(q, n - 1, v)
                fss = f_ppf(q, v, n - 1)
                c = k * jms + (k * n - k - n) * ems
                lo = n * (bms - fs * ems) / (fs * c + n * bms)
                hi = n * (fss * bms - ems) / (c + n * fss * bms)
                ci21 = (lo, hi)
                lo_k = n * (bms - fs * ems) / (fs * (jms - ems) + n * bms)
                hi_k = n * (fss * bms - ems) / (jms - ems + n * fss * bms)
                ci2k = (lo_k, hi_k)
    out["ICC(2,1)"] = result("ICC(2,1)", v21, ci21, f3, n - 1, (n - 1) * (k - 1))
    out["ICC(2,k)"] = result("ICC(2,k)", v2k, ci2k, f3, n - 1, (n - 1) * (k - 1))
    out["ICC(3,1)"] = result("ICC(3,1)", v31, ci31, f3, df1, df2)
    out["ICC(3,k)"] = result("ICC(3,k)", v3k, ci3k, f3, df1, df2)
    return {form: out[form] for form in ICC_FORMS}


# =============================================================================================
# Cohen's kappa
# =============================================================================================
Weights = Literal["linear", "quadratic"] | None


def cohen_kappa(
    a: Sequence[Hashable],
    b: Sequence[Hashable],
    weights: Weights = None,
    categories: Sequence[Hashable] | None = None,
) -> float | None:
    """Cohen's kappa for two raters; pairs where either rating is ``None`` are left out.

    ``weights``: ``None`` (unweighted, Cohen 1960), ``"linear"`` (disagreement |i - j|) or
    ``"quadratic"`` ((i - j)^2; Cohen 1968, Fleiss & Cohen 1973). Distances are measured on the
    numeric values when every category is a number (so unused points of a 1-5 scale keep
    their place), otherwise on the positions in ``categories`` (default: sorted observed
    values). Returns ``None`` when kappa is undefined (both raters use one single category).
    """
    if len(a) != len(b):
        raise TrustkitError(
            f"the two raters rated different numbers of items ({len(a)}, {len(b)})."
        )
    pairs = [(x, y) for x, y in zip(a, b, strict=True) if x is not None and y is not None]
    if not pairs:
        raise TrustkitError("kappa needs at least one item rated by both raters.")
    cats = list(categories) if categories is not None else sorted({v for p in pairs for v in p})
    index = {c: i for i, c in enumerate(cats)}
    for x, y in pairs:
        for v in (x, y):
            if v not in index:
                raise TrustkitError(f"the rating {v!r} is not one of the categories {cats}.")
    numeric = all(_is_number(c) for c in cats)
    pos = {c: (float(c) if numeric else float(index[c])) for c in cats}  # type: ignore[arg-type]

    def dis(x: Hashable, y: Hashable) -> float:
        if weights is None:
            return 0.0 if x == y else 1.0
        d = abs(pos[x] - pos[y])
        if weights == "linear":
            return d
        if weights == "quadratic":
            return d * d
        raise TrustkitError(f"unknown kappa weights {weights!r}: use linear or quadratic.")

    n = len(pairs)
    observed = sum(dis(x, y) for x, y in pairs) / n
    ma: dict[Hashable, int] = {}
    mb: dict[Hashable, int] = {}
    for x, y in pairs:
        ma[x] = ma.get(x, 0) + 1
        mb[y] = mb.get(y, 0) + 1
    expected = sum(ma[x] * mb[y] * dis(x, y) for x in ma for y in mb) / (n * n)
    if expected == 0:
        return None
    return 1.0 - observed / expected


# =============================================================================================
# Krippendorff's alpha
# =============================================================================================
Level = Literal["nominal", "ordinal", "interval", "ratio"]


def krippendorff_alpha(matrix: Matrix, level: Level = "ordinal") -> float | None:
    """Krippendorff's alpha of an items x raters matrix with ``None`` for missing values.

    Computed from the coincidence matrix (Krippendorff 2011): only items with at least two
    ratings are pairable; alpha = 1 - D_o / D_e. Metrics: nominal (0/1), ordinal (squared
    cumulative frequency between the two ranks, less half of each end), interval ((c - k)^2) and
    ratio (((c - k) / (c + k))^2). Returns ``None`` when there is no variation to compare
    (D_e = 0), for instance when every pairable rating is the same value.
    """
    rows = _check_matrix(matrix)
    units = [[v for v in r if v is not None] for r in rows]
    units = [u for u in units if len(u) >= 2]
    if not units:
        raise TrustkitError("Krippendorff's alpha needs at least one item with two ratings.")
    values = sorted({v for u in units for v in u})
    idx = {v: i for i, v in enumerate(values)}
    m = len(values)
    o = [[0.0] * m for _ in range(m)]
    for u in units:
        mu = len(u)
        for i, x in enumerate(u):
            for j, y in enumerate(u):
                if i != j:
                    o[idx[x]][idx[y]] += 1.0 / (mu - 1)
    nc = [sum(row) for row in o]
    n = sum(nc)

    def delta(c: int, k: int) -> float:
        vc, vk = values[c], values[k]
        if level == "nominal":
            return 0.0 if c == k else 1.0
        if level == "interval":
            return (vc - vk) ** 2
        if level == "ratio":
            return 0.0 if vc + vk == 0 else ((vc - vk) / (vc + vk)) ** 2
        if level == "ordinal":
            lo, hi = min(c, k), max(c, k)
            return (sum(nc[lo : hi + 1]) - (nc[c] + nc[k]) / 2.0) ** 2
        raise TrustkitError(f"unknown level {level!r}: use nominal, ordinal, interval or ratio.")

    d_o = sum(o[c][k] * delta(c, k) for c in range(m) for k in range(m))
    d_e = sum(nc[c] * nc[k] * delta(c, k) for c in range(m) for k in range(m))
    if d_e == 0:
        return None
    return 1.0 - (n - 1) * d_o / d_e


# =============================================================================================
# A learner against the reference
# =============================================================================================
BIAS_TOLERANCE = 0.5
"""|mean(learner - reference)| up to this many scale points counts as "close"."""


@dataclass(frozen=True)
class Gap:
    item: str
    learner: float
    reference: float

    @property
    def difference(self) -> float:
        return self.learner - self.reference


@dataclass
class Comparison:
    """A learner's ratings next to the reference ratings of the same items."""

    items: list[str]
    learner: list[float]
    reference: list[float]
    icc21: ICCResult | None  # ICC(2,1) of the (learner, reference) pairs; None if undefined
    kappa_quadratic: float | None  # for integer scales; None otherwise or if undefined
    mean_abs_difference: float
    within_one: float  # share of items with |learner - reference| <= 1
    bias: float  # mean(learner - reference): positive = more lenient
    bias_label: str  # "more lenient", "harsher" or "close"
    tolerance: float
    limits_of_agreement: tuple[float, float] | None  # bias +- 1.96 SD of the differences
    furthest: list[Gap]
    only_learner: list[str] = field(default_factory=list)
    only_reference: list[str] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.items)

    @property
    def differences(self) -> list[float]:
        return [x - y for x, y in zip(self.learner, self.reference, strict=True)]

    @property
    def message(self) -> str:
        """One sentence for the learner."""
        within = round(100 * self.within_one)
        if self.bias_label == "close":
            side = "with no systematic lean"
        else:
            side = f"{abs(self.bias):.1f} points {self.bias_label} on average"
        return (
            f"On {self.n} replies you were within one point of the reference panel "
            f"{within}% of the time, {side}."
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "n": self.n,
            "icc21": self.icc21.to_dict() if self.icc21 else None,
            "kappa_quadratic": self.kappa_quadratic,
            "mean_abs_difference": self.mean_abs_difference,
            "within_one": self.within_one,
            "bias": self.bias,
            "bias_label": self.bias_label,
            "tolerance": self.tolerance,
            "limits_of_agreement": list(self.limits_of_agreement)
            if self.limits_of_agreement
            else None,
            "furthest": [
                {"item": g.item, "learner": g.learner, "reference": g.reference}
                for g in self.furthest
            ],
            "only_learner": self.only_learner,
            "only_reference": self.only_reference,
            "message": self.message,
        }


def compare(
    learner: Mapping[str, float | None],
    reference: Mapping[str, float | None],
    tolerance: float = BIAS_TOLERANCE,
    n_furthest: int = 3,
) -> Comparison:
    """Compare a learner's ratings with reference ratings of the same items.

    Only items with a number on both sides count. ``bias`` is the mean of learner minus
    reference: above ``+tolerance`` the learner is "more lenient", below ``-tolerance``
    "harsher", otherwise "close". Agreement is ICC(2,1) (absolute agreement: a learner who
    is consistently one point high is *not* in agreement) plus, for integer ratings, the
    quadratically weighted kappa. ``furthest`` lists the items furthest apart, largest first.
    """
    for name, ratings in (("learner", learner), ("reference", reference)):
        for item, v in ratings.items():
            if v is not None and not _is_number(v):
                raise TrustkitError(f"{name} rating of item {item}: {v!r} is not a number.")
    shared = [i for i in learner if learner[i] is not None and reference.get(i) is not None]
    if not shared:
        raise TrustkitError("there is no item rated by both the learner and the reference.")
    lv = [float(learner[i]) for i in shared]  # type: ignore[arg-type]
    rv = [float(reference[i]) for i in shared]  # type: ignore[arg-type]
    diffs = [x - y for x, y in zip(lv, rv, strict=True)]
    bias = statistics.fmean(diffs)
    label = "close" if abs(bias) <= tolerance else ("more lenient" if bias > 0 else "harsher")
    icc21: ICCResult | None = None
    if len(shared) >= 2:
        try:
            icc21 = icc([[x, y] for x, y in zip(lv, rv, strict=True)])["ICC(2,1)"]
        except (TrustkitError, ZeroDivisionError):
            icc21 = None
        if icc21 is not None and icc21.value is None:
            icc21 = None
    kappa = None
    if all(float(v).is_integer() for v in lv + rv):
        kappa = cohen_kappa([int(v) for v in lv], [int(v) for v in rv], weights="quadratic")
    loa = None
    if len(diffs) >= 2:
        sd = statistics.stdev(diffs)
        loa = (bias - 1.96 * sd, bias + 1.96 * sd)
    gaps = sorted(
        (Gap(i, x, y) for i, x, y in zip(shared, lv, rv, strict=True)),
        key=lambda g: (-abs(g.difference), g.item),
    )
    return Comparison(
        items=list(shared),
        learner=lv,
        reference=rv,
        icc21=icc21,
        kappa_quadratic=kappa,
        mean_abs_difference=statistics.fmean(abs(d) for d in diffs),
        within_one=sum(abs(d) <= 1 + 1e-9 for d in diffs) / len(diffs),
        bias=bias,
        bias_label=label,
        tolerance=tolerance,
        limits_of_agreement=loa,
        furthest=[g for g in gaps[:n_furthest] if g.difference != 0],
        only_learner=sorted(i for i in learner if learner[i] is not None and i not in shared),
        only_reference=sorted(i for i in reference if reference[i] is not None and i not in shared),
    )
