"""What a neighbour typed into the sign-up form, checked (pure: no Flask, no database).

The form's fields are read and checked here rather than by WTForms, which then only draws
the form (again, with these messages, when something is wrong): building and validating a
WTForms form cost about a fifth of a sign-up's work, on the busiest public page. Every
message is plain Dutch (B1) and names what to do; ``niemand_alleen.text`` gives it in the
language of the page.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field

from niemand_alleen import validation
from niemand_alleen.geo import (
    PostcodeError,
    format_postcode,
    normalise_house_number,
    normalise_postcode,
)
from niemand_alleen.signup.service import SignupInput
from niemand_alleen.text import N_, _

AVAILABILITY_MAX_LENGTH = 300
MOTIVATION_MAX_LENGTH = 1000
LANGUAGES_MAX_LENGTH = 200
MSG_CONSENT = N_(
    "Vink aan dat u de privacyverklaring hebt gelezen. "
    "Zonder uw toestemming kunnen we uw aanmelding niet bewaren."
)
# An unticked checkbox is absent; these values also mean "no" (as in WTForms).
_NOT_TICKED = ("", "false")


def msg_outside_area(postcode: str, area_name: str) -> str:
    """Why a sign-up from outside the service area waits for the "toch helpen" box."""
    return _(
        "Niemand Alleen is er voor %(area)s. Uw postcode %(postcode)s ligt buiten %(area)s. "
        "Wilt u toch helpen? Vink dan het vakje aan.",
        area=area_name,
        postcode=format_postcode(postcode),
    )


def outside_area(raw_postcode: str | None, service_area: Collection[str]) -> bool:
    """A valid postcode whose area (PC4) lies outside the service area; ``False`` for a
    postcode that is not valid (its own message says what is wrong)."""
    try:
        postcode = normalise_postcode(raw_postcode or "")
    except PostcodeError:
        return False
    return postcode[:4] not in service_area


def kilometres(value: float, locale: str = "nl") -> str:
    """Dutch: "2 km", "2,5 km"; English ("en"): "2.5 km"."""
    text = f"{value:g}"
    return (text if locale == "en" else text.replace(".", ",")) + " km"


@dataclass
class SignupAnswers:
    """The checked answers (``input``), or the message for each wrong field (``errors``,
    in the form's order; ``input`` is then ``None``)."""

    input: SignupInput | None = None
    errors: dict[str, str] = field(default_factory=dict)


def _one_line(raw: str | None, label: str, max_length: int) -> str:
    value = " ".join((raw or "").split())
    return validation.free_text(value, label=label, max_length=max_length)


def read_signup(
    form: Mapping[str, str], service_area: Collection[str], area_name: str = "Dordrecht"
) -> SignupAnswers:
    """Check every field of a posted sign-up form (its first value per name).

    A postcode outside ``service_area`` (PC4 codes) is taken only with the box
    ``outside_area`` ticked: the neighbour still wants to help. ``area_name`` is how the
    message names the area (``SERVICE_AREA_NAME``)."""
    errors: dict[str, str] = {}

    def check(name: str, call: Callable[[str | None], str]) -> str:
        """The checked value; on a wrong one its message is kept and "" returned."""
        try:
            return call(form.get(name))
        except validation.FIELD_ERRORS as error:
            errors[name] = error.message
            return ""

    first_name = check("first_name", lambda v: validation.person_name(v, label=_("voornaam")))
    last_name = check("last_name", lambda v: validation.person_name(v, label=_("achternaam")))
    email = check("email", lambda v: validation.email_address(v, required=True) or "")
    phone = check("phone", validation.phone_number)
    postcode = check("postcode", lambda v: normalise_postcode(v or ""))
    house_number = check("house_number", lambda v: str(normalise_house_number(v or "")))
    outside = bool(postcode) and postcode[:4] not in service_area
    if outside and form.get("outside_area", "") in _NOT_TICKED:
        errors["outside_area"] = msg_outside_area(postcode, area_name)
    availability = check(
        "availability", lambda v: _one_line(v, _("wanneer u kunt"), AVAILABILITY_MAX_LENGTH)
    )
    motivation = check(
        "motivation",
        lambda v: validation.free_text(v, label=_("waarom"), max_length=MOTIVATION_MAX_LENGTH),
    )
    languages = check("languages", lambda v: _one_line(v, _("de talen"), LANGUAGES_MAX_LENGTH))
    if form.get("consent", "") in _NOT_TICKED:
        errors["consent"] = _(MSG_CONSENT)
    if errors:
        return SignupAnswers(errors=errors)
    return SignupAnswers(
        input=SignupInput(
            first_name=first_name,
            last_name=last_name,
            email=email,
            phone=phone,
            postcode=postcode,
            house_number=house_number,
            availability=availability or None,
            motivation=motivation or None,
            languages=languages or None,
            contact_again=form.get("contact_again", "") not in _NOT_TICKED,
            outside_area=outside,
        )
    )
