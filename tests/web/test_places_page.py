"""The staff page of the place tree: reading it, adding, changing, moving and deleting places."""

from __future__ import annotations

import re

import pytest

from marketplace.extensions import db
from marketplace.places.models import Place
from tests.factories import (
    AdminFactory,
    CommunityFactory,
    CoordinatorFactory,
    GridFactory,
    MerchantFactory,
    SpaceFactory,
    SubdistrictFactory,
    UserFactory,
    ZoneFactory,
)
from tests.listing_factories import ListingFactory
from tests.web.pages import form_values, post_form, text_of

PAGE = "/staff/places"


@pytest.fixture
def branch() -> dict[str, Place]:
    """雕庄街道 > 清溪村 > 清溪村第一网格 > 清溪村健康广场 > 健身活动区, and 雕庄社区 beside 清溪村."""
    subdistrict = SubdistrictFactory(name="雕庄街道", description="五社联动")
    community = CommunityFactory(parent=subdistrict, name="清溪村")
    grid = GridFactory(parent=community, name="清溪村第一网格")
    space = SpaceFactory(
        parent=grid,
        name="清溪村健康广场",
        description="改造后的健康广场",
        opening_hours={
            "mon": [["08:00", "12:00"], ["14:00", "20:00"]],
            "sun": [["09:00", "17:00"]],
        },
    )
    zone = ZoneFactory(parent=space, name="健身活动区")
    other = CommunityFactory(parent=subdistrict, name="雕庄社区")
    return {"subdistrict": subdistrict, "community": community, "grid": grid,
            "space": space, "zone": zone, "other": other}  # fmt: skip


@pytest.fixture
def coordinator(browser_as):
    return browser_as(CoordinatorFactory())


def stored(place_id: int) -> Place | None:
    db.session.expire_all()
    return db.session.get(Place, place_id)


def named(name: str) -> Place | None:
    db.session.expire_all()
    return db.session.query(Place).filter_by(name=name).one_or_none()


def nesting(page: str, place_id: int) -> int:
    """How many lists of the tree a place's card sits inside (0 for a root)."""
    tree = page[page.index('class="place-tree"') :]
    before = tree[: tree.index(f'id="place-{place_id}"')]
    return before.count("<ul") - before.count("</ul>")


# --- reading the tree ----------------------------------------------------------------------------


def test_staff_see_every_place_indented_by_depth_with_its_kind_description_and_hours(
    coordinator, branch
):
    response = coordinator.get(PAGE)

    page = text_of(response)
    assert response.status_code == 200
    assert [nesting(page, branch[key].id) for key in ("subdistrict", "community", "grid",
                                                      "space", "zone", "other")] == [0, 1, 2, 3, 4, 1]  # fmt: skip
    space_card = page[page.index(f'id="place-{branch["space"].id}"') :]
    assert '清溪村健康广场</strong> <span class="badge">场所</span>' in space_card
    assert "改造后的健康广场" in space_card
    assert "开放时间：周一 08:00-12:00、14:00-20:00；周日 09:00-17:00" in space_card
    assert '<span class="badge">街道</span>' in page and '<span class="badge">功能区</span>' in page


def test_the_places_tab_appears_for_coordinators_and_admins(browser_as, branch):
    for staff in (browser_as(CoordinatorFactory()), browser_as(AdminFactory())):
        queue = text_of(staff.get("/staff/queue"))
        places = text_of(staff.get(PAGE))

        assert f'<a href="{PAGE}">地点</a>' in queue
        assert f'<a href="{PAGE}" aria-current="page">地点</a>' in places


@pytest.mark.parametrize("factory", [UserFactory, MerchantFactory])
def test_residents_and_merchants_are_refused_the_page(browser_as, branch, factory):
    browser = browser_as(factory())

    response = browser.get(PAGE)

    assert response.status_code == 403
    assert "您没有权限进行这个操作。" in text_of(response)
    assert f'href="{PAGE}"' not in text_of(browser.get("/"))


def test_visitors_are_asked_to_log_in(client):
    response = client.get(PAGE)

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_every_field_of_the_page_has_a_label(coordinator, branch):
    page = text_of(coordinator.get(PAGE))

    ids = re.findall(r'<(?:input|select|textarea)(?![^>]*type="hidden")[^>]*\bid="([^"]+)"', page)
    labelled = set(re.findall(r'<label[^>]*for="([^"]+)"', page))
    assert ids and set(ids) <= labelled, set(ids) - labelled
    assert len(ids) == len(set(ids))  # no id twice
    assert "<script" not in page and "style=" not in page


# --- adding a place ------------------------------------------------------------------------------


def test_a_coordinator_adds_a_grid_under_a_community(coordinator, branch):
    community = branch["community"]

    response = post_form(
        coordinator,
        PAGE,
        {"parent_id": community.id, "kind": "grid", "name": "清溪村第四网格",
         "description": "村东片区"},
    )  # fmt: skip

    place = named("清溪村第四网格")
    assert response.status_code == 303
    assert response.headers["Location"] == f"{PAGE}#place-{place.id}"
    assert (place.parent_id, place.kind, place.description, place.depth) == (
        community.id, "grid", "村东片区", 2,
    )  # fmt: skip
    assert place.path == f"{community.path}{place.id}/"
    assert place.opening_hours is None
    assert "已添加「清溪村第四网格」。" in text_of(coordinator.get(PAGE))


def test_an_admin_adds_a_station_with_opening_hours(browser_as, branch):
    admin = browser_as(AdminFactory())

    response = post_form(
        admin,
        PAGE,
        {"parent_id": branch["community"].id, "kind": "station", "name": "维修服务站",
         "hours-mon": "9:00-11:30  14:00～17:00", "hours-sat": "09:00-12:00"},
    )  # fmt: skip

    assert response.status_code == 303
    assert named("维修服务站").opening_hours == {
        "mon": [["09:00", "11:30"], ["14:00", "17:00"]],
        "sat": [["09:00", "12:00"]],
    }


def test_the_add_below_link_chooses_the_parent(coordinator, branch):
    grid = branch["grid"]

    values = form_values(coordinator, f"{PAGE}?parent_id={grid.id}", PAGE)

    assert values["parent_id"] == str(grid.id)
    assert f'href="{PAGE}?parent_id={grid.id}#add"' in text_of(coordinator.get(PAGE))


def test_the_first_place_of_an_empty_tree_is_its_root(coordinator):
    page = text_of(coordinator.get(PAGE))

    response = post_form(coordinator, PAGE, {"parent_id": "", "kind": "subdistrict",
                                             "name": "雕庄街道"})  # fmt: skip

    assert "无（作为整棵树的根）" in page
    assert response.status_code == 303
    root = named("雕庄街道")
    assert (root.parent_id, root.depth, root.path) == (None, 0, f"/{root.id}/")
    assert "无（作为整棵树的根）" not in text_of(coordinator.get(PAGE))


def test_an_empty_name_is_refused_next_to_the_field_keeping_what_was_typed(coordinator, branch):
    before = db.session.query(Place).count()

    response = post_form(
        coordinator,
        PAGE,
        {"parent_id": branch["community"].id, "kind": "grid", "name": "  ",
         "description": "村东片区"},
    )  # fmt: skip

    page = text_of(response)
    assert response.status_code == 422
    assert '<p class="field-error" id="err-name">必填。</p>' in page
    assert 'id="add-name" name="name"' in page and 'aria-describedby="err-name"' in page
    assert 'value="村东片区"' in page
    assert f'<option value="{branch["community"].id}" selected>' in page
    assert '<option value="grid" selected>' in page
    assert db.session.query(Place).count() == before


def test_an_unknown_kind_is_refused(coordinator, branch):
    response = post_form(
        coordinator, PAGE, {"parent_id": branch["community"].id, "kind": "village", "name": "新村"}
    )

    assert response.status_code == 422
    assert '<p class="field-error" id="err-kind">请从选项中选择。</p>' in text_of(response)
    assert named("新村") is None


def test_a_parent_that_does_not_exist_is_refused(coordinator, branch):
    response = post_form(
        coordinator, PAGE, {"parent_id": "999999", "kind": "grid", "name": "新网格"}
    )

    page = text_of(response)
    assert response.status_code == 422
    assert '<p class="field-error" id="err-parent_id">没有这个地点。</p>' in page
    assert 'value="新网格"' in page
    assert named("新网格") is None


def test_a_kind_that_cannot_hang_under_the_parent_is_refused_in_chinese(coordinator, branch):
    response = post_form(
        coordinator, PAGE, {"parent_id": branch["grid"].id, "kind": "zone", "name": "新功能区"}
    )

    assert response.status_code == 422
    assert "功能区不能放在网格下面。" in text_of(response)
    assert named("新功能区") is None


def test_a_place_without_a_parent_is_refused_when_its_kind_needs_one(coordinator, branch):
    response = post_form(coordinator, PAGE, {"parent_id": "", "kind": "space", "name": "孤立场所"})

    assert response.status_code == 422
    assert "场所要放在村/社区或网格下面，请选择上级地点。" in text_of(response)


def test_a_second_root_is_refused(coordinator, branch):
    response = post_form(coordinator, PAGE, {"kind": "subdistrict", "name": "另一个街道"})

    assert response.status_code == 409
    assert "地点树已经有街道了" in text_of(response)
    assert named("另一个街道") is None


def test_a_name_taken_by_a_sibling_is_refused(coordinator, branch):
    response = post_form(
        coordinator, PAGE, {"parent_id": branch["community"].id, "kind": "grid",
                            "name": "清溪村第一网格"},
    )  # fmt: skip

    assert response.status_code == 409
    assert "同一个上级地点下已有同名的地点。" in text_of(response)
    assert db.session.query(Place).filter_by(name="清溪村第一网格").count() == 1


def test_malformed_opening_hours_are_refused_in_chinese(coordinator, branch):
    response = post_form(
        coordinator,
        PAGE,
        {"parent_id": branch["grid"].id, "kind": "space", "name": "议事厅",
         "hours-tue": "上午", "hours-wed": "14:00-12:00"},
    )  # fmt: skip

    page = text_of(response)
    assert response.status_code == 422
    assert 'id="err-opening_hours">周二：每段时间写成“开始-结束”' in page
    assert 'value="上午"' in page
    assert named("议事厅") is None


@pytest.mark.parametrize("factory", [UserFactory, MerchantFactory])
def test_residents_and_merchants_cannot_add_places(browser_as, branch, factory):
    browser = browser_as(factory())

    response = post_form(
        browser, PAGE, {"parent_id": branch["community"].id, "kind": "grid", "name": "偷加的网格"}
    )

    assert response.status_code == 403
    assert named("偷加的网格") is None


# --- changing and moving a place -----------------------------------------------------------------


def test_a_coordinator_renames_and_describes_a_place_from_its_form(coordinator, branch):
    space = branch["space"]
    path = f"/staff/places/{space.id}"
    values = form_values(coordinator, PAGE, path)

    response = post_form(
        coordinator, path, {**values, "name": "清溪村文化广场", "description": "", "hours-sun": ""}
    )

    assert response.status_code == 303
    assert response.headers["Location"] == f"{PAGE}#place-{space.id}"
    saved = stored(space.id)
    assert (saved.name, saved.description, saved.parent_id) == (
        "清溪村文化广场",
        "",
        space.parent_id,
    )
    assert saved.opening_hours == {"mon": [["08:00", "12:00"], ["14:00", "20:00"]]}


def test_a_place_is_located_shown_kept_on_a_plain_save_and_cleared(coordinator, branch):
    space = branch["space"]
    path = f"/staff/places/{space.id}"
    values = form_values(coordinator, PAGE, path)

    located = post_form(
        coordinator, path, {**values, "latitude": "31.4912345678", "longitude": "120.3456789"}
    )
    page = text_of(coordinator.get(PAGE))
    post_form(coordinator, path, form_values(coordinator, PAGE, path))
    kept = (stored(space.id).latitude, stored(space.id).longitude)
    post_form(coordinator, path, {**values, "latitude": "", "longitude": ""})

    assert located.status_code == 303
    assert "位置：纬度 31.4912345678，经度 120.3456789" in page
    assert kept == (31.4912345678, 120.3456789)
    assert (stored(space.id).latitude, stored(space.id).longitude) == (None, None)


def test_a_new_place_gets_its_position_and_a_wrong_one_is_refused_in_chinese(coordinator, branch):
    community = branch["community"]
    base = {"parent_id": community.id, "kind": "grid", "name": "清溪村第五网格"}

    refused = post_form(coordinator, PAGE, {**base, "latitude": "九十一", "longitude": "200"})
    added = post_form(coordinator, PAGE, {**base, "latitude": "31.5", "longitude": "120.25"})

    assert refused.status_code == 422
    assert "请填写数字。" in text_of(refused) and "须在 -180 到 180 之间。" in text_of(refused)
    assert added.status_code == 303
    place = named("清溪村第五网格")
    assert (place.latitude, place.longitude) == (31.5, 120.25)


def test_emptying_every_hours_box_makes_a_place_always_open(coordinator, branch):
    space = branch["space"]
    path = f"/staff/places/{space.id}"
    values = form_values(coordinator, PAGE, path)

    post_form(coordinator, path, {**values, "hours-mon": "", "hours-sun": ""})

    assert stored(space.id).opening_hours is None


def test_a_coordinator_moves_a_grid_with_its_subtree_to_another_community(coordinator, branch):
    grid, other = branch["grid"], branch["other"]
    path = f"/staff/places/{grid.id}"
    values = form_values(coordinator, PAGE, path)

    response = post_form(coordinator, path, {**values, "parent_id": other.id})

    assert response.status_code == 303
    assert stored(grid.id).parent_id == other.id
    assert stored(branch["zone"].id).path.startswith(f"{other.path}{grid.id}/")
    assert "已保存「清溪村第一网格」。" in text_of(coordinator.get(PAGE))


def test_a_place_is_moved_only_under_parents_of_a_fitting_kind(coordinator, branch):
    grid = branch["grid"]
    page = text_of(coordinator.get(PAGE))
    move = page[page.index(f'id="parent-{grid.id}"') :].split("</select>")[0]

    response = post_form(coordinator, f"/staff/places/{grid.id}", {"parent_id": branch["space"].id})

    assert f'value="{branch["other"].id}"' in move and f'value="{branch["space"].id}"' not in move
    assert response.status_code == 422
    assert "网格不能放在场所下面。" in text_of(response)
    assert stored(grid.id).parent_id == branch["community"].id


def test_the_root_cannot_be_moved_so_its_form_has_no_parent(coordinator, branch):
    values = form_values(coordinator, PAGE, f"/staff/places/{branch['subdistrict'].id}")

    assert "parent_id" not in values and values["name"] == "雕庄街道"


def test_an_emptied_name_is_refused_and_the_form_stays_open_with_what_was_typed(
    coordinator, branch
):
    space = branch["space"]
    path = f"/staff/places/{space.id}"
    values = form_values(coordinator, PAGE, path)

    response = post_form(coordinator, path, {**values, "name": "", "description": "新的说明"})

    page = text_of(response)
    card = page[page.index(f'id="place-{space.id}"') :]
    assert response.status_code == 422
    assert card.index("<details open>") < card.index('id="err-name"') < card.index("</details>")
    assert "长度须在 1 到 60 个字之间。" in card
    assert 'value="新的说明"' in card
    assert stored(space.id).name == "清溪村健康广场"


def test_renaming_to_a_siblings_name_is_a_conflict(coordinator, branch):
    other = branch["other"]
    path = f"/staff/places/{other.id}"
    values = form_values(coordinator, PAGE, path)

    response = post_form(coordinator, path, {**values, "name": "清溪村"})

    assert response.status_code == 409
    assert "同一个上级地点下已有同名的地点。" in text_of(response)
    assert stored(other.id).name == "雕庄社区"


def test_changing_a_place_that_does_not_exist_is_a_404_page(coordinator, branch):
    response = post_form(coordinator, "/staff/places/999999", {"name": "无"})

    assert response.status_code == 404
    assert "找不到这个页面或内容。" in text_of(response)


@pytest.mark.parametrize("factory", [UserFactory, MerchantFactory])
def test_residents_and_merchants_cannot_change_places(browser_as, branch, factory):
    response = post_form(
        browser_as(factory()), f"/staff/places/{branch['grid'].id}", {"name": "改过的网格"}
    )

    assert response.status_code == 403
    assert stored(branch["grid"].id).name == "清溪村第一网格"


# --- deleting a place ----------------------------------------------------------------------------


def test_a_coordinator_deletes_an_unused_place(coordinator, branch):
    zone = branch["zone"]
    zone_id = zone.id

    response = post_form(coordinator, f"/staff/places/{zone_id}/delete", {})

    assert response.status_code == 303
    assert stored(zone_id) is None
    assert "已删除「健身活动区」。" in text_of(coordinator.get(PAGE))


def test_only_places_without_children_offer_deleting(coordinator, branch):
    page = text_of(coordinator.get(PAGE))

    assert f'action="/staff/places/{branch["zone"].id}/delete"' in page
    assert f'action="/staff/places/{branch["space"].id}/delete"' not in page


def test_a_place_that_holds_listings_is_not_deleted(coordinator, branch):
    zone = branch["zone"]
    ListingFactory(place=zone)

    response = post_form(coordinator, f"/staff/places/{zone.id}/delete", {})

    page = text_of(response)
    card = page[page.index(f'id="place-{zone.id}"') :]
    assert response.status_code == 409
    assert "这个地点还在使用中" in card
    assert stored(zone.id) is not None


def test_a_place_with_children_is_not_deleted(coordinator, branch):
    response = post_form(coordinator, f"/staff/places/{branch['space'].id}/delete", {})

    assert response.status_code == 409
    assert "这个地点还在使用中" in text_of(response)
    assert stored(branch["space"].id) is not None


def test_deleting_a_place_that_does_not_exist_says_so_on_top(coordinator, branch):
    response = post_form(coordinator, "/staff/places/999999/delete", {})

    assert response.status_code == 404
    assert '<div class="problem" role="alert"><p>找不到这个页面或内容。</p>' in text_of(response)


@pytest.mark.parametrize("factory", [UserFactory, MerchantFactory])
def test_residents_and_merchants_cannot_delete_places(browser_as, branch, factory):
    zone_id = branch["zone"].id

    response = post_form(browser_as(factory()), f"/staff/places/{zone_id}/delete", {})

    assert response.status_code == 403
    assert stored(zone_id) is not None


def test_a_delete_without_the_form_token_is_refused(coordinator, branch):
    zone_id = branch["zone"].id

    response = coordinator.post(f"/staff/places/{zone_id}/delete")

    assert response.status_code == 403
    assert "页面已过期" in text_of(response)
    assert stored(zone_id) is not None
