"""Changing a user's role from the staff users page: who is offered the form, who may post it,
and how bad input is shown."""

from __future__ import annotations

import re

import pytest

from marketplace.accounts.models import User
from marketplace.extensions import db
from tests.factories import (
    AdminFactory,
    CoordinatorFactory,
    MerchantFactory,
    OrganisationFactory,
    UserFactory,
)
from tests.web.pages import form_values, post_form, text_of

USERS = "/staff/users"


def stored(user_id: int) -> User:
    db.session.expire_all()
    return db.session.get(User, user_id)


def role_path(person: User) -> str:
    return f"/staff/users/{person.id}/role"


def card(page: str, person: User) -> str:
    """The part of the users page about one person."""
    start = page.index(f'id="user-{person.id}"')
    return page[start : page.index("</li>", start)]


# --- changing a role -----------------------------------------------------------------------------


def test_an_admin_makes_a_resident_a_coordinator(browser_as):
    resident = UserFactory(display_name="老周")
    admin = browser_as(AdminFactory())
    values = form_values(admin, USERS, role_path(resident))

    response = post_form(admin, role_path(resident), {**values, "role": "coordinator"})

    assert values["role"] == "resident"
    assert response.status_code == 303
    assert response.headers["Location"] == USERS
    assert stored(resident.id).role == "coordinator"
    assert "老周：角色改为社工。" in text_of(admin.get(USERS))


def test_a_coordinator_makes_a_resident_a_merchant_of_an_organisation(browser_as):
    organisation = OrganisationFactory(name="清溪理发店")
    resident = UserFactory()
    coordinator = browser_as(CoordinatorFactory())

    response = post_form(
        coordinator,
        role_path(resident),
        {"role": "merchant", "organisation_id": organisation.id},
        token_from=USERS,
    )

    assert response.status_code == 303
    saved = stored(resident.id)
    assert (saved.role, saved.organisation_id) == ("merchant", organisation.id)


def test_a_merchant_made_a_resident_leaves_the_organisation(browser_as):
    merchant = MerchantFactory()
    organisation_id = merchant.organisation.id
    coordinator = browser_as(CoordinatorFactory())
    values = form_values(coordinator, USERS, role_path(merchant))

    response = post_form(coordinator, role_path(merchant), {**values, "role": "resident"})

    assert values["organisation_id"] == str(organisation_id)
    assert response.status_code == 303
    saved = stored(merchant.id)
    assert (saved.role, saved.organisation_id) == ("resident", None)


# --- who is offered the form ---------------------------------------------------------------------


def test_a_coordinator_is_offered_the_form_for_residents_and_merchants_without_the_admin_role(
    browser_as,
):
    me = CoordinatorFactory()
    resident, merchant, colleague, admin = (
        UserFactory(), MerchantFactory(), CoordinatorFactory(), AdminFactory(),
    )  # fmt: skip

    page = text_of(browser_as(me).get(USERS))

    for person in (resident, merchant):
        assert f'action="{role_path(person)}"' in card(page, person)
        assert 'value="coordinator"' in card(page, person)
        assert 'value="admin"' not in card(page, person)
    for person in (colleague, admin, me):
        assert f'action="{role_path(person)}"' not in card(page, person)


def test_an_admin_is_offered_the_form_for_staff_too_but_not_for_themself(browser_as):
    me = AdminFactory()
    colleague, other_admin = CoordinatorFactory(), AdminFactory()

    page = text_of(browser_as(me).get(USERS))

    for person in (colleague, other_admin):
        assert f'action="{role_path(person)}"' in card(page, person)
        assert '<option value="admin"' in card(page, person)
    assert f'action="{role_path(me)}"' not in card(page, me)


# --- refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize("factory", [UserFactory, MerchantFactory])
def test_residents_and_merchants_cannot_change_roles(browser_as, factory):
    neighbour = UserFactory()

    response = post_form(browser_as(factory()), role_path(neighbour), {"role": "coordinator"})

    assert response.status_code == 403
    assert "您没有权限进行这个操作。" in text_of(response)
    assert stored(neighbour.id).role == "resident"


@pytest.mark.parametrize("factory", [CoordinatorFactory, AdminFactory])
def test_a_coordinator_cannot_change_the_role_of_staff(browser_as, factory):
    colleague = factory()
    before = colleague.role
    coordinator = browser_as(CoordinatorFactory())

    response = post_form(coordinator, role_path(colleague), {"role": "resident"}, token_from=USERS)

    assert response.status_code == 403
    assert '<div class="problem" role="alert"><p>您没有权限进行这个操作。</p>' in text_of(response)
    assert stored(colleague.id).role == before


def test_a_coordinator_cannot_make_an_admin(browser_as):
    resident = UserFactory()
    coordinator = browser_as(CoordinatorFactory())

    response = post_form(coordinator, role_path(resident), {"role": "admin"}, token_from=USERS)

    assert response.status_code == 403
    assert stored(resident.id).role == "resident"


def test_nobody_changes_their_own_role(browser_as):
    me = AdminFactory()

    response = post_form(browser_as(me), role_path(me), {"role": "resident"}, token_from=USERS)

    assert response.status_code == 403
    assert stored(me.id).role == "admin"


def test_changing_the_role_of_someone_who_does_not_exist_is_a_404_page(browser_as):
    response = post_form(
        browser_as(AdminFactory()), "/staff/users/999999/role", {"role": "resident"}, USERS
    )

    assert response.status_code == 404
    assert "找不到这个页面或内容。" in text_of(response)


# --- bad input -----------------------------------------------------------------------------------


def test_a_merchant_without_an_organisation_is_refused_beside_the_organisation(browser_as):
    resident = UserFactory()
    coordinator = browser_as(CoordinatorFactory())

    response = post_form(
        coordinator, role_path(resident), {"role": "merchant", "organisation_id": ""}, USERS
    )

    mine = card(text_of(response), resident)
    assert response.status_code == 422
    assert "<details open>\n      <summary>更改角色</summary>" in mine
    assert '<p class="field-error" id="err-organisation_id">设为商户时请选择所属组织。</p>' in mine
    assert '<option value="merchant" selected>' in mine
    assert stored(resident.id).role == "resident"


def test_an_organisation_that_does_not_exist_is_refused(browser_as):
    resident = UserFactory()
    coordinator = browser_as(CoordinatorFactory())

    response = post_form(
        coordinator, role_path(resident), {"role": "merchant", "organisation_id": "999999"}, USERS
    )

    assert response.status_code == 422
    assert "没有这个组织。" in card(text_of(response), resident)
    assert stored(resident.id).role == "resident"


def test_an_unknown_role_is_refused(browser_as):
    resident = UserFactory()
    coordinator = browser_as(CoordinatorFactory())

    response = post_form(coordinator, role_path(resident), {"role": "mayor"}, USERS)

    assert response.status_code == 422
    assert '<p class="field-error" id="err-role">请从选项中选择。</p>' in card(
        text_of(response), resident
    )
    assert stored(resident.id).role == "resident"


def test_a_refusal_about_someone_on_another_page_is_shown_on_top(browser_as):
    coordinator = browser_as(CoordinatorFactory())
    UserFactory.create_batch(20)
    last = UserFactory()  # on the second page of users

    response = post_form(coordinator, role_path(last), {"role": "merchant"}, USERS)

    page = text_of(response)
    assert response.status_code == 422
    assert f'id="user-{last.id}"' not in page
    assert '<div class="problem" role="alert"><p>有些内容填写得不对' in page


def test_every_field_of_the_users_page_has_a_label(browser_as):
    UserFactory()
    MerchantFactory()
    page = text_of(browser_as(AdminFactory()).get(USERS))

    ids = re.findall(r'<(?:input|select|textarea)(?![^>]*type="hidden")[^>]*\bid="([^"]+)"', page)
    labelled = set(re.findall(r'<label[^>]*for="([^"]+)"', page))
    assert ids and set(ids) <= labelled, set(ids) - labelled
    assert len(ids) == len(set(ids))
