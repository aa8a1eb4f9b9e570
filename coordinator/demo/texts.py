"""What the demo's minutes say and what their action items ask, per meeting-form kind (Swedish content).

No digits anywhere: the identity-number guard reads every text of a forum that forbids
identified pupils, and a date typed as digits could ask for a confirmation.
"""
from __future__ import annotations

from coordinator.agreements.models import FormKind

DECISIONS: dict[FormKind, tuple[str, ...]] = {
    FormKind.OVERARCHING_FORUM: (
        "Forumet gick igenom terminens möten mot överenskommelsen och konstaterade att de fristående "
        "skolorna ska bjudas in personligen av rektorerna i grannskolorna.",
        "Lägesbilden från individ- och familjeomsorgen och fältassistenterna diskuterades. Forumet "
        "beslutade att lyfta frågan om kvällsöppen fritidsgård till nämnden.",
        "Revisionen av överenskommelsen förbereds: kontaktvägarna till mottagningsgruppen ska "
        "förtydligas och ersättare ska anges för varje funktion.",
    ),
    FormKind.OPERATIVE_FORUM: (
        "Gemensam lägesbild i området: oro kring centrum kvällstid, färre anmälningar från skolorna "
        "än förra terminen. Fältassistenterna ökar närvaron vid skolavslutningar.",
        "Gemensam lägesbild i området: lugnare än föregående månad. Polisen informerade om "
        "trygghetsvandringen och skolorna om sina elevhälsoinsatser.",
        "Gemensam lägesbild i området: skolorna ser mer frånvaro efter loven. Socialtjänsten "
        "påminner om konsultationstiderna på tisdagar.",
    ),
    FormKind.STUDENT_HEALTH_CONFERENCE: (
        "Avidentifierade elevärenden: två elever med hög frånvaro; skolan gör en kartläggning och "
        "tar vid behov kontakt med mottagningsgruppen.",
        "Avidentifierade elevärenden: en grupp elever i årskurs sju med konflikter på rasterna; "
        "kuratorn och fritids samarbetar om rastaktiviteter.",
        "Inga nya elevärenden. Elevhälsoteamet går igenom rutinen för orosanmälan med socialtjänsten.",
    ),
    FormKind.BUS_GROUP: (
        "Styrgruppen följde upp arbetsgruppens handlingsplan och godkände terminens prioriteringar.",
        "Arbetsgruppen redovisade samverkan med barn- och ungdomspsykiatrin; väntetiderna har kortats.",
    ),
}

ACTIONS: dict[FormKind, tuple[str, ...]] = {
    FormKind.OVERARCHING_FORUM: (
        "Bjuda in de fristående skolornas rektorer personligen till nästa forum",
        "Sammanställa närvaron per skola inför revisionen av överenskommelsen",
        "Ta fram en gemensam rutin för orosanmälningar från skolorna",
        "Boka socialtjänstens besök på skolornas arbetsplatsträffar",
    ),
    FormKind.OPERATIVE_FORUM: (
        "Följa upp oron kring centrum kvällstid med fältassistenterna",
        "Informera skolorna om fritidsgårdens öppettider under lovet",
        "Skicka konsultationstiderna till alla skolor",
    ),
    FormKind.BUS_GROUP: (
        "Uppdatera BUS-gruppens kontaktlista",
        "Redovisa handlingsplanen för styrgruppen",
    ),
}
