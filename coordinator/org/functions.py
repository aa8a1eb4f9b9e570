"""The catalogue of functions people hold (rektor, kurator, kontaktpolis ...), in Swedish and English."""
from __future__ import annotations

import enum


class Level(enum.Enum):
    SCHOOL = "school"        # held at a school
    DISTRICT = "district"    # held in the district administration or one of its units
    EXTERNAL = "external"    # police and other outside organisations
    CITY = "city"            # the city's central administrations


class Function(enum.Enum):
    DISTRICT_DIRECTOR = "district_director"
    HEAD_OF_IFO = "head_of_ifo"
    HEAD_OF_LEISURE = "head_of_leisure"
    HEAD_OF_PRESCHOOL = "head_of_preschool"
    DEPUTY_SCHOOL_CHIEF = "deputy_school_chief"
    SOCIAL_SERVICES_CONTACT = "social_services_contact"
    INTAKE_GROUP = "intake_group"
    SOCIAL_WORKER = "social_worker"
    FIELD_WORKER = "field_worker"
    COMMITTEE_SECRETARY = "committee_secretary"
    PRINCIPAL = "principal"
    DEPUTY_PRINCIPAL = "deputy_principal"
    KURATOR = "kurator"
    SCHOOL_NURSE = "school_nurse"
    SPECIAL_NEEDS_TEACHER = "special_needs_teacher"
    SCHOOL_PSYCHOLOGIST = "school_psychologist"
    POLICE_CONTACT = "police_contact"
    SOCIAL_ADMINISTRATION_CHIEF = "social_administration_chief"
    EDUCATION_ADMINISTRATION_CHIEF = "education_administration_chief"

    @property
    def level(self) -> Level:
        return _CATALOGUE[self][0]

    def label(self, language: str = "sv") -> str:
        sv, en = _CATALOGUE[self][1:]
        return en if language == "en" else sv

    @classmethod
    def parse(cls, text: str) -> "Function":
        """A function from its code or its Swedish or English name, any case."""
        wanted = text.strip().casefold()
        for function in cls:
            if wanted in (function.value, function.label("sv").casefold(), function.label("en").casefold()):
                return function
        raise ValueError(text)


_CATALOGUE: dict[Function, tuple[Level, str, str]] = {
    Function.DISTRICT_DIRECTOR: (Level.DISTRICT, "stadsdelsdirektör", "district director"),
    Function.HEAD_OF_IFO: (Level.DISTRICT, "avdelningschef IFO", "head of social services (IFO)"),
    Function.HEAD_OF_LEISURE: (Level.DISTRICT, "avdelningschef fritid", "head of leisure"),
    Function.HEAD_OF_PRESCHOOL: (Level.DISTRICT, "avdelningschef förskola", "head of preschool"),
    Function.DEPUTY_SCHOOL_CHIEF: (Level.CITY, "biträdande grundskolechef", "deputy compulsory-school chief"),
    Function.SOCIAL_SERVICES_CONTACT: (Level.DISTRICT, "kontaktperson socialtjänsten", "social-services contact"),
    Function.INTAKE_GROUP: (Level.DISTRICT, "mottagningsgruppen", "intake group"),
    Function.SOCIAL_WORKER: (Level.DISTRICT, "socialsekreterare", "social worker"),
    Function.FIELD_WORKER: (Level.DISTRICT, "fältassistent", "field worker"),
    Function.COMMITTEE_SECRETARY: (Level.DISTRICT, "nämndsekreterare", "committee secretary"),
    Function.PRINCIPAL: (Level.SCHOOL, "rektor", "principal"),
    Function.DEPUTY_PRINCIPAL: (Level.SCHOOL, "biträdande rektor", "deputy principal"),
    Function.KURATOR: (Level.SCHOOL, "kurator", "school counsellor (kurator)"),
    Function.SCHOOL_NURSE: (Level.SCHOOL, "skolsköterska", "school nurse"),
    Function.SPECIAL_NEEDS_TEACHER: (Level.SCHOOL, "specialpedagog", "special-needs teacher"),
    Function.SCHOOL_PSYCHOLOGIST: (Level.SCHOOL, "skolpsykolog", "school psychologist"),
    Function.POLICE_CONTACT: (Level.EXTERNAL, "kontaktpolis", "police contact"),
    Function.SOCIAL_ADMINISTRATION_CHIEF: (Level.CITY, "chef socialförvaltningen", "head of the social administration"),
    Function.EDUCATION_ADMINISTRATION_CHIEF: (Level.CITY, "chef utbildningsförvaltningen", "head of the education administration"),
}
