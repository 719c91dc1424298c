"""The glossary translates query words between English and Chinese, phrases whole."""

from __future__ import annotations

from marketplace.search.analysis import whole_words, word_terms
from marketplace.search.glossary import ENTRIES, translations


def translated(text: str) -> list[tuple[str, ...]]:
    return translations(whole_words(word_terms(text)))


def test_an_english_word_becomes_the_chinese_words_for_it():
    assert translated("stroller") == [("婴儿车",), ("童车",)]


def test_a_chinese_word_becomes_the_english_words_for_it_stemmed():
    assert ("stroller",) in translated("婴儿车")
    assert ("buggi",) in translated("婴儿车")  # Porter's stem of "buggy", as the index holds it


def test_a_phrase_is_translated_whole_and_its_words_are_not_translated_again():
    assert translated("rice cooker") == [("电饭煲",), ("电饭锅",)]
    assert translated("blood pressure monitor") == [("血压计",)]
    assert ("显示器",) not in translated("blood pressure monitor")
    assert ("显示器",) in translated("monitor")


def test_a_chinese_word_the_segmenter_splits_is_looked_for_as_its_words_together():
    assert ("喂", "猫") in translated("cat sitting")


def test_words_the_glossary_does_not_know_translate_to_nothing():
    assert translated("qingxi 清溪 zzz") == []


def test_every_entry_analyses_to_some_terms_on_both_sides():
    for english, chinese in ENTRIES:
        for text in (*english, *chinese):
            assert whole_words(word_terms(text)), text


def test_a_misspelt_english_word_is_translated_as_the_word_it_misspells():
    assert translated("strolller") == translated("stroller")
    assert translated("bicyle repair") == translated("bicycle repair")


def test_only_a_word_one_edit_away_counts_and_with_the_same_first_letter():
    assert translated("stroler") == translated("stroller")
    assert translated("lapto") == translated("laptop")
    assert translated("laaptopp") == translated("laptop")  # eight letters: two edits allowed
    assert translated("lptp") == []  # under five letters: never guessed
    assert translated("aptop") == []  # the first letter differs
    assert translated("lxxtop") == []  # two edits in six letters
