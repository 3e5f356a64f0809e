"""The scenario format: validation, safe loading, error messages with file and line."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml

from trustkit.errors import TrustkitError
from trustkit.scenario import (
    MAX_FILE_BYTES,
    SKILLS,
    Scenario,
    json_schema,
    load,
    load_file,
    packaged_ids,
    read_yaml,
)

from .conftest import MINI


def _write(tmp_path: Path, text: str | bytes, name: str = "s.yaml") -> Path:
    p = tmp_path / name
    if isinstance(text, bytes):
        p.write_bytes(text)
    else:
        p.write_text(text, encoding="utf-8")
    return p


def _mini_data() -> dict:
    return yaml.safe_load(MINI.read_text(encoding="utf-8"))


def test_mini_loads_and_indexes(mini: Scenario) -> None:
    assert mini.id == "mini-cough"
    assert mini.node("story").options[0].id == "empathise"
    assert mini.is_ending("walkout") and not mini.is_ending("story")
    assert mini.fact("smoking").threshold == 55
    assert mini.skills[:2] == ["open_question", "empathy"]


def test_content_hash_is_stable_and_sensitive(tmp_path: Path) -> None:
    a = load_file(MINI).scenario
    b = load_file(MINI).scenario
    assert a.content_hash() == b.content_hash()
    data = _mini_data()
    data["nodes"][0]["patient"] = "A different line."  # prose: same mechanics, same hash
    assert Scenario.model_validate(data).content_hash() == a.content_hash()
    data["nodes"][0]["options"][0]["next"] = "habits"  # mechanics: a new hash
    assert Scenario.model_validate(data).content_hash() != a.content_hash()


def test_json_schema_is_valid_and_validates_mini() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(_mini_data(), schema)
    bad = _mini_data()
    bad["nodes"][0]["options"][0]["effects"]["caring"] = "lots"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", ":1: the file is empty."),
        ("   \n\n", ":1: the file is empty."),
        ("id: [unclosed\n", "this is not valid YAML"),
        ("- a\n- b\n", ":1: a scenario file must be a YAML mapping"),
        ("a: &x [1, 2]\nb: *x\n", ":2: YAML anchors and aliases are not allowed"),
        ("a: 1\nb: 2\na: 3\n", ":3: the key 'a' appears twice"),
        ("other:\n  <<: {x: 1}\n", ":2: YAML merge keys ('<<') are not allowed"),
    ],
)
def test_bad_yaml_is_one_clear_line(tmp_path: Path, content: str, expected: str) -> None:
    p = _write(tmp_path, content)
    with pytest.raises(TrustkitError) as info:
        load_file(p)
    msg = str(info.value)
    assert msg.startswith(str(p) + ":"), msg
    assert expected in msg
    assert "\n" not in msg


def test_non_utf8_names_line(tmp_path: Path) -> None:
    p = _write(tmp_path, b"id: ok\ntitle: caf\xe9\n")
    with pytest.raises(TrustkitError, match=r"s\.yaml:2: the file is not valid UTF-8"):
        load_file(p)


def test_billion_laughs_is_refused_quickly(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 9)}]")
    p = _write(tmp_path, "\n".join(lines) + "\n")
    with pytest.raises(TrustkitError, match="anchors and aliases"):
        load_file(p)


def test_huge_file_is_refused_before_reading(tmp_path: Path) -> None:
    p = tmp_path / "huge.yaml"
    with p.open("wb") as fh:
        fh.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(TrustkitError, match=r"huge\.yaml:1: the file is .* MiB"):
        load_file(p)
    with pytest.raises(TrustkitError, match="at most"):
        read_yaml(b"#" * (MAX_FILE_BYTES + 1), "bytes.yaml")


def test_missing_path_and_folder(tmp_path: Path) -> None:
    with pytest.raises(TrustkitError, match="no such file"):
        load_file(tmp_path / "nope.yaml")
    with pytest.raises(TrustkitError, match="is a folder"):
        load_file(tmp_path)


def test_wrong_type_names_the_line_of_the_field(tmp_path: Path) -> None:
    text = MINI.read_text(encoding="utf-8").replace(
        "effects: {caring: 6, competence: 2}", "effects: {caring: lots, competence: 2}"
    )
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "caring: lots" in t)
    p = _write(tmp_path, text)
    with pytest.raises(TrustkitError) as info:
        load_file(p)
    assert str(info.value).startswith(f"{p}:{line}: 'nodes.0.options.0.effects.caring'")


def test_missing_field_and_unknown_field(tmp_path: Path) -> None:
    data = _mini_data()
    del data["title"]
    p = _write(tmp_path, yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(TrustkitError, match="'title' is required but missing"):
        load_file(p)
    data = _mini_data()
    data["nodes"][1]["mood"] = "grumpy"
    p = _write(tmp_path, yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(TrustkitError, match="'nodes.1.mood' is not a field"):
        load_file(p)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["nodes"].append(copy.deepcopy(d["nodes"][0])), "duplicate id 'opening'"),
        (lambda d: d["facts"].append(copy.deepcopy(d["facts"][0])), "duplicate fact id 'smoking'"),
        (
            lambda d: d["nodes"][0]["options"].append(copy.deepcopy(d["nodes"][0]["options"][0])),
            "duplicate option id 'open' in node 'opening'",
        ),
        (
            lambda d: d["endings"].append({**copy.deepcopy(d["endings"][0]), "id": "story"}),
            "duplicate id 'story'",
        ),
    ],
)
def test_duplicate_ids(tmp_path: Path, mutate, message: str) -> None:
    data = _mini_data()
    mutate(data)
    p = _write(tmp_path, yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(TrustkitError, match=message):
        load_file(p)


def test_trust_ranges() -> None:
    data = _mini_data()
    data["initial_trust"]["caring"] = 120
    with pytest.raises(ValueError):
        Scenario.model_validate(data)
    data = _mini_data()
    data["nodes"][0]["options"][0]["effects"]["caring"] = 80
    with pytest.raises(ValueError):
        Scenario.model_validate(data)


def test_load_accepts_id_path_or_scenario(mini: Scenario) -> None:
    assert load(mini) is mini
    assert load(str(MINI)).id == "mini-cough"
    with pytest.raises(TrustkitError, match="no packaged scenario 'no-such'"):
        load("no-such")


def test_packaged_scenarios_load_and_use_known_skills() -> None:
    ids = packaged_ids()
    for sid in ids:
        sc = load(sid)
        assert sc.id == sid, f"{sid}.yaml declares id {sc.id}"
        for node in sc.nodes:
            for opt in node.options:
                assert set(opt.skills) <= set(SKILLS), (sid, node.id, opt.id)


def test_schema_json_round_trip() -> None:
    text = json.dumps(json_schema())
    assert '"trustkit scenario"' in text
