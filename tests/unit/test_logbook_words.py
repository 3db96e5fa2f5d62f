"""The case logbook in Dutch (issue 14): actions in words, actors by name."""

from agreements.services.audit import wording


def test_actions_read_as_dutch_words():
    assert wording.action("case.read") == "Zaak bekeken"
    assert wording.action("payment_arrangement.create") == "Betalingsregeling aangemaakt"
    assert wording.action("signing.signed") == "Ondertekend"
    assert wording.action("eviction_judgment.update") == "Vonnis gewijzigd"
    assert wording.action("something.new") == "something.new"  # unknown: shown as it is


def test_actors_are_named():
    names = {6: "Anna Bakker"}
    assert wording.actor("user:6", names) == "Anna Bakker"
    assert wording.actor("user:7", names) == "een medewerker (account verwijderd)"
    assert wording.actor("party:corporation", names) == "Woningcorporatie (via de link)"
    assert wording.actor("system:mail", names) == "het systeem (e-mail)"
    assert wording.actor("system", names) == "Het systeem"
