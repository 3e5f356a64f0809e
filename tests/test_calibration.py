"""Agreement statistics against published worked examples and independent implementations.

Independent references used here (none of them shares code with trustkit.calibration):
* scipy (test dependency only) for the F and beta distributions;
* an ANOVA written with numpy below, and the ICC confidence-interval formulas re-typed from
  McGraw & Wong (1996, Psychol Methods 1:30, Tables 7-8);
* a brute-force pair-counting Krippendorff's alpha below (no coincidence matrix);
* a brute-force weighted kappa over all pairs of ratings.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from trustkit import calibration as cal
from trustkit.errors import TrustkitError

scipy_stats = pytest.importorskip("scipy.stats")
scipy_special = pytest.importorskip("scipy.special")

from .conftest import SF, SF_PUBLISHED  # noqa: E402

# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", the 4 observers x 12 units
# example with missing values ("." in the paper). Published: nominal 0.743, ordinal 0.815,
# interval 0.849.
K_DATA = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]
K_MATRIX = [list(col) for col in zip(*K_DATA, strict=True)]  # units x observers


# ---------------------------------------------------------------------------------------------
# F distribution
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("a,b", [(0.5, 0.5), (1, 1), (2.5, 9), (30, 2), (0.7, 150), (200, 300)])
def test_betainc_matches_scipy(a: float, b: float) -> None:
    for x in (1e-6, 0.01, 0.2, 0.5, 0.77, 0.999):
        assert cal.betainc(a, b, x) == pytest.approx(scipy_special.betainc(a, b, x), abs=1e-12)


@pytest.mark.parametrize(
    "d1,d2",
    [
        (1, 1),
        (5, 18),
        (18, 5),
        (5, 15),
        (3.7, 5),
        (5, 3.7),
        (1, 200),
        (60, 2),
        (2.2, 0.9),
        (3, 0.3),
    ],
)
@pytest.mark.parametrize("q", [0.025, 0.5, 0.95, 0.975, 0.999])
def test_f_quantile_matches_scipy(d1: float, d2: float, q: float) -> None:
    ours = cal.f_ppf(q, d1, d2)
    ref = scipy_stats.f.ppf(q, d1, d2)
    assert ours == pytest.approx(ref, rel=1e-9)
    assert cal.f_cdf(ours, d1, d2) == pytest.approx(q, abs=1e-12)


def test_f_quantile_rejects_nonsense() -> None:
    for q in (0, 1, -0.1, 1.5):
        with pytest.raises(ValueError):
            cal.f_ppf(q, 2, 3)
    with pytest.raises(ValueError):
        cal.f_ppf(0.5, 0, 3)


# ---------------------------------------------------------------------------------------------
# ICC
# ---------------------------------------------------------------------------------------------
def _reference_icc(x: np.ndarray, alpha: float = 0.05) -> dict[str, tuple[float, float, float]]:
    """ICC forms and CIs from McGraw & Wong (1996) Tables 7-8, typed independently, with scipy.
    A vanishing denominator gives inf or nan here (numpy's way), None in trustkit."""
    with np.errstate(all="ignore"):
        return _reference_icc_raw(x, alpha)


def _reference_icc_raw(x: np.ndarray, alpha: float) -> dict[str, tuple[float, float, float]]:
    n, k = x.shape
    grand = x.mean()
    ssr = k * ((x.mean(axis=1) - grand) ** 2).sum()
    ssc = n * ((x.mean(axis=0) - grand) ** 2).sum()
    sst = ((x - grand) ** 2).sum()
    msr = ssr / (n - 1)
    msc = ssc / (k - 1)
    msw = (sst - ssr) / (n * (k - 1))
    mse = (sst - ssr - ssc) / ((n - 1) * (k - 1))
    f = scipy_stats.f.ppf
    q = 1 - alpha / 2
    out = {}
    # case 1 (one-way)
    fo = msr / msw
    fl, fu = fo / f(q, n - 1, n * (k - 1)), fo * f(q, n * (k - 1), n - 1)
    out["ICC(1,1)"] = (
        (msr - msw) / (msr + (k - 1) * msw),
        (fl - 1) / (fl + k - 1),
        (fu - 1) / (fu + k - 1),
    )
    out["ICC(1,k)"] = (1 - msw / msr, 1 - 1 / fl, 1 - 1 / fu)
    # case 3 (consistency)
    fo = msr / mse
    fl, fu = fo / f(q, n - 1, (n - 1) * (k - 1)), fo * f(q, (n - 1) * (k - 1), n - 1)
    out["ICC(3,1)"] = (
        (msr - mse) / (msr + (k - 1) * mse),
        (fl - 1) / (fl + k - 1),
        (fu - 1) / (fu + k - 1),
    )
    out["ICC(3,k)"] = (1 - mse / msr, 1 - 1 / fl, 1 - 1 / fu)
    # case 2A (absolute agreement), McGraw & Wong Table 8 with a, b
    p = (msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n)
    a = k * p / (n * (1 - p))
    b = 1 + k * p * (n - 1) / (n * (1 - p))
    v = (a * msc + b * mse) ** 2 / ((a * msc) ** 2 / (k - 1) + (b * mse) ** 2 / ((n - 1) * (k - 1)))
    fs, fss = f(q, n - 1, v), f(q, v, n - 1)
    lo = n * (msr - fs * mse) / (fs * (k * msc + (k * n - k - n) * mse) + n * msr)
    hi = n * (fss * msr - mse) / (k * msc + (k * n - k - n) * mse + n * fss * msr)
    out["ICC(2,1)"] = (p, lo, hi)
    pk = (msr - mse) / (msr + (msc - mse) / n)
    lo = n * (msr - fs * mse) / (fs * (msc - mse) + n * msr)
    hi = n * (fss * msr - mse) / (msc - mse + n * fss * msr)
    out["ICC(2,k)"] = (pk, lo, hi)
    return out


def test_icc_reproduces_shrout_fleiss_table() -> None:
    got = cal.icc(SF)
    assert list(got) == list(cal.ICC_FORMS)
    for form, published in SF_PUBLISHED.items():
        assert round(got[form].value, 2) == published, form


def test_icc_confidence_intervals_match_psych_and_mcgraw_wong() -> None:
    # Bounds printed by R's psych::ICC for the Shrout & Fleiss data (its help page example).
    psych = {
        "ICC(1,1)": (-0.13, 0.72),
        "ICC(2,1)": (0.019, 0.76),
        "ICC(3,1)": (0.34, 0.95),
        "ICC(1,k)": (-0.88, 0.91),
        "ICC(2,k)": (0.071, 0.93),
        "ICC(3,k)": (0.68, 0.99),
    }
    got = cal.icc(SF)
    ref = _reference_icc(np.array(SF, dtype=float))
    for form in cal.ICC_FORMS:
        value, lo, hi = ref[form]
        assert got[form].value == pytest.approx(value, abs=1e-12)
        assert got[form].ci95 == pytest.approx((lo, hi), abs=1e-9)
        plo, phi = psych[form]
        digits = 3 if plo in (0.019, 0.071) else 2
        assert round(got[form].ci95[0], digits) == plo, form
        assert round(got[form].ci95[1], 2) == phi, form


def test_icc_f_test() -> None:
    got = cal.icc(SF)
    assert got["ICC(1,1)"].f_value == pytest.approx(1.795, abs=1e-3)  # S&F: F = 1.80
    assert got["ICC(3,1)"].f_value == pytest.approx(11.027, abs=1e-3)  # S&F: F = 11.03
    assert got["ICC(3,1)"].p_value == pytest.approx(scipy_stats.f.sf(11.0272, 5, 15), rel=1e-3)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.lists(st.integers(1, 7), min_size=3, max_size=3), min_size=4, max_size=12),
    st.integers(-5, 5),
)
@example(rows=[[1, 6, 7], [1, 7, 3], [3, 1, 5], [6, 2, 2]], shift=1)  # ICC(2,k): 0 / 0
def test_icc_random_matches_reference_and_shift_invariance(rows, shift) -> None:
    x = np.array(rows, dtype=float)
    n, k = x.shape
    ms = cal.mean_squares(rows)
    if ms.bms == 0 or ms.ems == 0 or ms.wms == 0:
        return
    got = cal.icc(rows)
    ref = _reference_icc(x)
    shifted = cal.icc([[v + shift for v in r] for r in rows])
    for form in cal.ICC_FORMS:
        if got[form].value is None:  # a vanishing denominator: undefined, not a huge number
            assert not math.isfinite(ref[form][0]) or abs(ref[form][0]) > 1e6, (form, ref)
            assert shifted[form].value is None
            continue
        assert got[form].value == pytest.approx(ref[form][0], abs=1e-9)
        assert shifted[form].value == pytest.approx(got[form].value, abs=1e-9)
        # near-degenerate tables give CI bounds like -1e120, where both sides are only rounding
        if got[form].ci95 and all(math.isfinite(v) and abs(v) < 1e6 for v in ref[form][1:]):
            assert got[form].ci95 == pytest.approx(ref[form][1:], rel=1e-9, abs=1e-6)


def test_icc_needs_complete_data() -> None:
    rows = [[1, 2], [3, None], [4, 5], [2, 2]]
    full, dropped = cal.complete_rows(rows)
    assert dropped == 1 and len(full) == 3
    assert cal.icc(rows)["ICC(2,1)"].value == cal.icc(full)["ICC(2,1)"].value
    with pytest.raises(TrustkitError, match="at least 2 items"):
        cal.icc([[1, 2]])
    with pytest.raises(TrustkitError, match="row 2"):
        cal.icc([[1, 2], [1, 2, 3]])
    with pytest.raises(TrustkitError, match="not a finite number"):
        cal.icc([[1, 2], [1, float("nan")]])


def test_icc_perfect_agreement_has_no_interval() -> None:
    res = cal.icc([[1, 1], [2, 2], [5, 5]])
    assert res["ICC(2,1)"].value == 1.0
    assert res["ICC(2,1)"].ci95 is None  # the residual mean square is 0: no F interval


def test_koo_li_labels() -> None:
    assert [cal.interpret_icc(v) for v in (0.1, 0.5, 0.74, 0.75, 0.9, 0.95)] == [
        "poor",
        "moderate",
        "moderate",
        "good",
        "excellent",
        "excellent",
    ]
    assert cal.interpret_icc(None) is None


# ---------------------------------------------------------------------------------------------
# kappa
# ---------------------------------------------------------------------------------------------
def _table_to_pairs(table: list[list[int]], cats: list) -> tuple[list, list]:
    a, b = [], []
    for i, row in enumerate(table):
        for j, count in enumerate(row):
            a += [cats[i]] * count
            b += [cats[j]] * count
    return a, b


def _brute_kappa(a: list, b: list, weight) -> float:
    """1 - observed / chance disagreement, chance from every (rater-1, rater-2) pairing."""
    n = len(a)
    observed = sum(weight(x, y) for x, y in zip(a, b, strict=True)) / n
    expected = sum(weight(x, y) for x, y in itertools.product(a, b)) / (n * n)
    return 1 - observed / expected


def test_cohen_kappa_textbook_two_by_two() -> None:
    # The standard 2 x 2 illustration (e.g. Wikipedia, "Cohen's kappa"): 50 proposals,
    # both yes 20, A yes / B no 5, A no / B yes 10, both no 15 -> p_o 0.70, p_e 0.50, kappa 0.40.
    a, b = _table_to_pairs([[20, 5], [10, 15]], ["yes", "no"])
    assert cal.cohen_kappa(a, b) == pytest.approx(0.4, abs=1e-12)


def test_weighted_kappa_xeromammogram_example() -> None:
    # Boyd et al. 1982 (J Natl Cancer Inst 68:357), as tabulated in Altman DG, Practical
    # Statistics for Medical Research (1991), section 14.3: two radiologists, 85 films,
    # categories normal < benign < suspected cancer < cancer. Published: kappa = 0.47.
    table = [[21, 12, 0, 0], [4, 17, 1, 0], [3, 9, 15, 2], [0, 0, 0, 1]]
    a, b = _table_to_pairs(table, [1, 2, 3, 4])
    assert round(cal.cohen_kappa(a, b), 2) == 0.47
    linear = cal.cohen_kappa(a, b, weights="linear")
    quadratic = cal.cohen_kappa(a, b, weights="quadratic")
    assert round(linear, 2) == 0.57  # Altman's weighted kappa (linear weights)
    assert linear == pytest.approx(_brute_kappa(a, b, lambda x, y: abs(x - y)), abs=1e-12)
    assert quadratic == pytest.approx(_brute_kappa(a, b, lambda x, y: (x - y) ** 2), abs=1e-12)
    # ordering of the three is the usual one for this kind of table
    assert cal.cohen_kappa(a, b) < linear < quadratic


def test_kappa_uses_scale_distances_and_skips_missing() -> None:
    a = [1, 2, 5, None, 3]
    b = [1, 5, 5, 4, None]
    got = cal.cohen_kappa(a, b, weights="linear")
    assert got == pytest.approx(_brute_kappa([1, 2, 5], [1, 5, 5], lambda x, y: abs(x - y)))
    assert cal.cohen_kappa(["x", "x"], ["x", "x"]) is None  # one category: undefined
    with pytest.raises(TrustkitError, match="different numbers"):
        cal.cohen_kappa([1, 2], [1])
    with pytest.raises(TrustkitError, match="not one of the categories"):
        cal.cohen_kappa([1, 2], [1, 9], categories=[1, 2, 3])


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 5), st.integers(1, 5)), min_size=2, max_size=30))
def test_kappa_symmetric_and_matches_brute_force(pairs) -> None:
    a = [p[0] for p in pairs]
    b = [p[1] for p in pairs]
    for w, fn in (
        (None, lambda x, y: float(x != y)),
        ("linear", lambda x, y: abs(x - y)),
        ("quadratic", lambda x, y: (x - y) ** 2),
    ):
        got = cal.cohen_kappa(a, b, weights=w)
        if got is None:
            continue
        assert got == pytest.approx(_brute_kappa(a, b, fn), abs=1e-9)
        assert cal.cohen_kappa(b, a, weights=w) == pytest.approx(got, abs=1e-12)


# ---------------------------------------------------------------------------------------------
# Krippendorff's alpha
# ---------------------------------------------------------------------------------------------
def _brute_alpha(matrix: list[list[float | None]], level: str) -> float:
    """Alpha by counting ordered pairs of values directly (Krippendorff 2011, eq. for D_o/D_e)."""
    units = [[v for v in row if v is not None] for row in matrix]
    units = [u for u in units if len(u) >= 2]
    pooled = [v for u in units for v in u]
    n = len(pooled)
    counts = {v: pooled.count(v) for v in set(pooled)}

    def d(c: float, k: float) -> float:
        if level == "nominal":
            return float(c != k)
        if level == "interval":
            return (c - k) ** 2
        lo, hi = min(c, k), max(c, k)
        between = sum(cnt for v, cnt in counts.items() if lo <= v <= hi)
        return (between - (counts[c] + counts[k]) / 2) ** 2

    d_o = (
        sum(
            d(u[i], u[j]) / (len(u) - 1)
            for u in units
            for i in range(len(u))
            for j in range(len(u))
            if i != j
        )
        / n
    )
    d_e = sum(d(pooled[i], pooled[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    return 1 - d_o / d_e


@pytest.mark.parametrize(
    "level,published", [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849)]
)
def test_krippendorff_published_example(level: str, published: float) -> None:
    got = cal.krippendorff_alpha(K_MATRIX, level)
    assert round(got, 3) == published
    assert got == pytest.approx(_brute_alpha(K_MATRIX, level), abs=1e-12)


def test_krippendorff_ignores_unpairable_units_and_edge_cases() -> None:
    # unit 12 has one value only; dropping it must not change alpha
    assert cal.krippendorff_alpha(K_MATRIX[:11]) == cal.krippendorff_alpha(K_MATRIX)
    assert cal.krippendorff_alpha([[1, 1], [2, 2], [3, 3]]) == 1.0
    assert cal.krippendorff_alpha([[2, 2], [2, 2]]) is None  # no variation
    with pytest.raises(TrustkitError, match="two ratings"):
        cal.krippendorff_alpha([[1, None], [None, 2]])
    with pytest.raises(TrustkitError, match="unknown level"):
        cal.krippendorff_alpha(K_MATRIX, "cosmic")  # type: ignore[arg-type]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.lists(st.one_of(st.none(), st.integers(1, 5)), min_size=3, max_size=3),
        min_size=3,
        max_size=10,
    )
)
def test_krippendorff_random_matches_brute_force(rows) -> None:
    pairable = [r for r in rows if sum(v is not None for v in r) >= 2]
    if not pairable or len({v for r in pairable for v in r if v is not None}) < 2:
        return
    for level in ("nominal", "ordinal", "interval"):
        assert cal.krippendorff_alpha(rows, level) == pytest.approx(
            _brute_alpha(rows, level), abs=1e-9
        )


def test_matrix_from_long() -> None:
    items, raters, m = cal.matrix_from_long([("a", "x", 1), ("a", "y", 2), ("b", "y", 3)])
    assert items == ["a", "b"] and raters == ["x", "y"]
    assert m == [[1, 2], [None, 3]]
    with pytest.raises(TrustkitError, match="twice"):
        cal.matrix_from_long([("a", "x", 1), ("a", "x", 2)])


# ---------------------------------------------------------------------------------------------
# learner vs reference
# ---------------------------------------------------------------------------------------------
REF = {"r1": 1, "r2": 2, "r3": 3, "r4": 4, "r5": 5, "r6": 3}


def test_compare_lenient_learner() -> None:
    learner = {k: min(5, v + 1) for k, v in REF.items()}  # one point higher, capped at 5
    c = cal.compare(learner, REF)
    diffs = [learner[k] - REF[k] for k in REF]
    assert c.n == 6
    assert c.bias == pytest.approx(sum(diffs) / 6)
    assert c.bias_label == "more lenient"
    assert c.within_one == 1.0
    assert c.mean_abs_difference == pytest.approx(sum(map(abs, diffs)) / 6)
    sd = float(np.std(diffs, ddof=1))
    assert c.limits_of_agreement == pytest.approx((c.bias - 1.96 * sd, c.bias + 1.96 * sd))
    # absolute agreement is below consistency when one rater is systematically higher
    both = [[learner[k], REF[k]] for k in REF]
    assert c.icc21.value == pytest.approx(cal.icc(both)["ICC(2,1)"].value)
    assert c.icc21.value < cal.icc(both)["ICC(3,1)"].value
    assert "more lenient" in c.message


def test_compare_harsh_close_and_furthest() -> None:
    harsh = {k: max(1, v - 2) for k, v in REF.items()}
    c = cal.compare(harsh, REF)
    assert c.bias_label == "harsher"
    close = dict(REF, r1=2, r5=4)  # +1 and -1: no lean
    c = cal.compare(close, REF)
    assert c.bias_label == "close" and c.bias == 0
    assert [g.item for g in c.furthest] == ["r1", "r5"]
    far = dict(REF, r3=5, r4=1)
    c = cal.compare(far, REF, n_furthest=1)
    assert [(g.item, g.difference) for g in c.furthest] == [("r4", -3.0)]
    assert c.within_one == pytest.approx(4 / 6)


def test_compare_partial_overlap_and_errors() -> None:
    c = cal.compare({"r1": 1, "r2": 3, "zz": 4, "r3": None}, REF)
    assert c.items == ["r1", "r2"]
    assert c.only_learner == ["zz"]
    assert "r3" in c.only_reference
    with pytest.raises(TrustkitError, match="no item rated by both"):
        cal.compare({"q": 1}, REF)
    with pytest.raises(TrustkitError, match="not a number"):
        cal.compare({"r1": "three"}, REF)  # type: ignore[dict-item]
    assert cal.compare({"r1": 2}, REF).icc21 is None  # one item: no ICC


# ---------------------------------------------------------------------------------------------
# figures
# ---------------------------------------------------------------------------------------------
def test_calibration_figures_have_titles_labels_and_alt_text() -> None:
    from trustkit.figures import alt_text, bland_altman, scatter_vs_reference, title

    learner = {"r1": 2, "r2": 2, "r3": 4, "r4": 5, "r5": 5, "r6": 1}
    c = cal.compare(learner, REF)
    for make in (scatter_vs_reference, bland_altman):
        fig = make(c)
        ax = fig.axes[0]
        assert title(fig) and ax.get_xlabel() and ax.get_ylabel()
        alt = alt_text(fig)
        assert alt == fig.get_label() and "6 items" in alt
        assert ax.get_legend() is not None
        fig.savefig(__import__("io").BytesIO(), format="png")
    ba = bland_altman(c)
    assert f"{c.bias:+.2f}" in ba.get_label()
