import json

import pytest

from processor.mail import plain
from retrain.examples import CorpusError, Example, is_held_out, load_corpus, split


def _write(path, *documents):
    path.write_text("".join(json.dumps(d) + "\n" for d in documents), encoding="utf-8")


def _line(id_, group, **extra):
    return {
        "id": id_,
        "group": group,
        "language": "en",
        "category": "praise",
        "priority": "normal",
        "subject": "Thanks",
        "body": "Lovely paper",
        "html": False,
        **extra,
    }


def test_variants_of_a_message_land_on_the_same_side_of_the_split():
    examples = [Example(mail=plain("", f"t{i}"), category="praise", group=f"g{i // 4}") for i in range(400)]
    training, held_out = split(examples)
    assert {e.group for e in training}.isdisjoint({e.group for e in held_out})
    assert 0.1 < len(held_out) / len(examples) < 0.3


def test_the_split_is_stable_for_a_group():
    assert [is_held_out(f"group-{i}") for i in range(50)] == [is_held_out(f"group-{i}") for i in range(50)]


def test_load_corpus_reads_every_jsonl_file(tmp_path):
    _write(
        tmp_path / "en.jsonl", _line("a", "g1"), _line("b", "g1", html=True, body="<p>Great <b>work</b></p>")
    )
    _write(tmp_path / "es.jsonl", _line("c", "g2", language="es", priority="high"))
    examples = load_corpus(tmp_path)
    assert [e.group for e in examples] == ["g1", "g1", "g2"]
    assert examples[1].text == "Thanks\nGreat work"
    assert examples[2].language == "es"
    assert examples[2].priority == "high"


def test_an_empty_folder_is_a_clear_error(tmp_path):
    with pytest.raises(CorpusError, match=r"no \*\.jsonl corpus files"):
        load_corpus(tmp_path)


def test_a_malformed_line_is_named(tmp_path):
    (tmp_path / "en.jsonl").write_text(json.dumps(_line("a", "g")) + "\n{not json\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"en\.jsonl:2 is not a JSON object"):
        load_corpus(tmp_path)


def test_a_line_without_category_is_named(tmp_path):
    line = _line("a", "g")
    del line["category"]
    _write(tmp_path / "en.jsonl", line)
    with pytest.raises(CorpusError, match=r"en\.jsonl:1 has no 'category' field"):
        load_corpus(tmp_path)


def test_the_group_defaults_to_the_id(tmp_path):
    line = _line("only-id", "")
    _write(tmp_path / "en.jsonl", line)
    assert load_corpus(tmp_path)[0].group == "only-id"
