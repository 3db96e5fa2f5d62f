"""The domain's closed vocabularies; every member carries its Dutch label."""

from __future__ import annotations

from enum import StrEnum


class Labelled(StrEnum):
    """A StrEnum whose members also have a Dutch label for people."""

    label: str

    def __new__(cls, value: str, label: str = "") -> Labelled:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label or value
        return member


class OrganisationKind(Labelled):
    HOUSING_CORPORATION = "housing_corporation", "woningcorporatie"
    COORDINATOR = "coordinator", "coördinerende zorgorganisatie"
    MUNICIPALITY = "municipality", "gemeente"
    CARE_PROVIDER = "care_provider", "zorgaanbieder"
    NEIGHBOURHOOD_TEAM = "neighbourhood_team", "buurtteam"


class Role(Labelled):
    """Staff roles. Tenants never log in: they reach their documents only through links."""

    ADMIN = "admin", "beheerder"
    COORDINATOR = "coordinator", "coördinator"
    PARTNER = "partner", "medewerker partnerorganisatie"
    LEGAL = "legal", "juridisch medewerker"


class CaseStatus(Labelled):
    INTAKE = "intake", "aanmelding"
    ACTIVE = "active", "lopend traject"
    COMPLETED = "completed", "afgerond"
    TERMINATED = "terminated", "beëindigd"


class AgreementStatus(Labelled):
    DRAFT = "draft", "concept"
    OUT_FOR_SIGNATURE = "out_for_signature", "ter ondertekening"
    ACTIVE = "active", "actief"
    COMPLETED = "completed", "afgerond"
    TERMINATED = "terminated", "beëindigd"


class PartyRole(Labelled):
    """The part a party plays in an agreement; obligations are grouped by it."""

    TENANT = "tenant", "huurder"
    REPRESENTATIVE = "representative", "wettelijk vertegenwoordiger"
    HOUSING_CORPORATION = "housing_corporation", "woningcorporatie"
    COORDINATOR = "coordinator", "Het Vierde Huis"
    MUNICIPALITY = "municipality", "gemeente"
    CARE_PROVIDER = "care_provider", "zorgaanbieder"
    NEIGHBOURHOOD_TEAM = "neighbourhood_team", "buurtteam"


class SigningRole(Labelled):
    """What a party signs as: the templates' party names (kinds.json) and the signature
    requests' `party_role`; the label is how people read it ("U tekent als ...")."""

    TENANT = "tenant", "huurder"
    REPRESENTATIVE = "representative", "vertegenwoordiger van de huurder"
    CORPORATION = "corporation", "woningcorporatie"
    COORDINATOR = "coordinator", "coördinator"
    MUNICIPALITY = "municipality", "gemeente"
    NEIGHBOURHOOD_TEAM = "neighbourhood_team", "buurtteam"
    CARE_PROVIDER = "care_provider", "zorgaanbieder"

    @classmethod
    def label_of(cls, role: str) -> str:
        """The label of a stored role; an unknown one as it is."""
        return cls(role).label if role in cls._value2member_map_ else role

    @classmethod
    def heading_of(cls, role: str) -> str:
        """The label with a capital, for a table's cell or a signature line."""
        label = cls.label_of(role)
        return label[:1].upper() + label[1:]


class RepresentativeKind(Labelled):
    BEWINDVOERDER = "bewindvoerder", "bewindvoerder"
    MENTOR = "mentor", "mentor"
    CURATOR = "curator", "curator"


class PaymentFrequency(Labelled):
    WEEKLY = "weekly", "per week"
    FOUR_WEEKLY = "four_weekly", "per vier weken"
    MONTHLY = "monthly", "per maand"


class DocumentStatus(Labelled):
    QUEUED = "queued", "in de wachtrij"
    RENDERING = "rendering", "wordt gemaakt"
    READY = "ready", "klaar"
    FAILED = "failed", "mislukt"


class RequestStatus(Labelled):
    PENDING = "pending", "wacht op ondertekening"
    SIGNED = "signed", "ondertekend"
    DECLINED = "declined", "geweigerd"
    REVOKED = "revoked", "ingetrokken"
    VOIDED = "voided", "vervallen (nieuwe versie)"
    PAUSED = "paused", "gepauzeerd (een partij weigerde)"


class FinishStatus(Labelled):
    NOT_READY = "not_ready", "nog niet door iedereen ondertekend"
    PENDING = "pending", "wacht op verzegelen"
    RUNNING = "running", "wordt verzegeld"
    DONE = "done", "verzegeld"
    FAILED = "failed", "verzegelen mislukt"


class ReminderKind(Labelled):
    """What a reminder is about; the Dutch label is its subject line."""

    REVIEW_UPCOMING = "review_upcoming", "Evaluatie binnenkort"
    REVIEW_DUE = "review_due", "Evaluatie vandaag"
    REVIEW_OVERDUE = "review_overdue", "Evaluatie te laat"
    REVIEW_ESCALATION = "review_escalation", "Evaluatie te laat: melding aan teamleider"
    REVIEW_TENANT = "review_tenant", "Uw evaluatiegesprek"
    BREACH = "breach", "Afspraken niet nagekomen"
    AGREEMENT_END_90 = "agreement_end_90", "Overeenkomst eindigt over 90 dagen"
    AGREEMENT_END_30 = "agreement_end_30", "Overeenkomst eindigt over 30 dagen"
    ARRANGEMENT_END = "arrangement_end", "Betalingsregeling eindigt binnenkort"
    MISSED_INSTALMENT = "missed_instalment", "Termijn betalingsregeling niet betaald"
    SIGNATURE_PENDING = "signature_pending", "Nog niet ondertekend"
    SIGNATURE_EXPIRING = "signature_expiring", "Ondertekenlink verloopt binnenkort"
    TENANCY_END = "tenancy_end", "Tijdelijke huurovereenkomst eindigt binnenkort"
    JUDGMENT_AGE_9 = "judgment_age_9", "Vonnis is 9 maanden oud"
    JUDGMENT_AGE_11 = "judgment_age_11", "Vonnis is 11 maanden oud: bijna te oud om uit te voeren"


class ReminderStatus(Labelled):
    PENDING = "pending", "te versturen"
    CLAIMED = "claimed", "wordt verstuurd"
    SENT = "sent", "verstuurd"
    FLAGGED = "flagged", "te laat: op het dashboard"
    CANCELLED = "cancelled", "niet meer nodig"


class MailStatus(Labelled):
    QUEUED = "queued", "in de wachtrij"
    SENDING = "sending", "wordt verstuurd"
    SENT = "sent", "verstuurd"
    FAILED = "failed", "geweigerd door de mailserver"


class ReviewOutcome(Labelled):
    ON_TRACK = "on_track", "volgens afspraak"
    CONCERNS = "concerns", "zorgen"
    BREACH = "breach", "niet nagekomen"


# Which organisation kind may play which party role in a case.
PARTY_ROLE_FOR_KIND = {
    OrganisationKind.HOUSING_CORPORATION: PartyRole.HOUSING_CORPORATION,
    OrganisationKind.COORDINATOR: PartyRole.COORDINATOR,
    OrganisationKind.MUNICIPALITY: PartyRole.MUNICIPALITY,
    OrganisationKind.CARE_PROVIDER: PartyRole.CARE_PROVIDER,
    OrganisationKind.NEIGHBOURHOOD_TEAM: PartyRole.NEIGHBOURHOOD_TEAM,
}
