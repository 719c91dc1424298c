"""The three flows in a real browser (Debian's Chromium, phone-sized, Chinese locale):
a resident's item from posting to a completed exchange, a merchant's donation claimed by two
residents, and the coordinator's figures page with its charts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from marketplace import clock
from marketplace.extensions import db
from marketplace.search import indexer
from tests.factories import (
    PASSWORD,
    CommunityFactory,
    CoordinatorFactory,
    MerchantFactory,
    OrganisationFactory,
    SpaceFactory,
    UserFactory,
)
from tests.listing_factories import ListingFactory
from tests.web.browser import LiveServer, needs_chromium

pytestmark = [needs_chromium, pytest.mark.browser]


@dataclass(frozen=True)
class Person:
    phone: str
    display_name: str


@dataclass(frozen=True)
class Neighbourhood:
    """Committed people and places the flows start from, as plain values: the test thread must
    not touch the database while the server runs (on SQLite a transaction it opened by loading
    an expired object would hold the write lock)."""

    coordinator: Person
    neighbour: Person
    second_neighbour: Person
    merchant: Person


def build_neighbourhood() -> Neighbourhood:
    village = CommunityFactory(name="清溪村")
    square = SpaceFactory(name="清溪村健康广场", parent=village)
    neighbour = UserFactory(display_name="刘先生", home_place_id=square.id)
    second_neighbour = UserFactory(display_name="赵小妹", home_place_id=square.id)
    people = {
        "coordinator": CoordinatorFactory(display_name="王社工"),
        "neighbour": neighbour,
        "second_neighbour": second_neighbour,
        "merchant": MerchantFactory(
            display_name="李老板",
            organisation=OrganisationFactory(name="清溪便民超市", verified=True),
        ),
    }
    ListingFactory.create_batch(3, place=square, owner=second_neighbour, category="books_education")
    plain = {role: Person(user.phone, user.display_name) for role, user in people.items()}
    db.session.commit()
    return Neighbourhood(**plain)


@pytest.fixture
def site(committed: Flask) -> Iterator[tuple[str, Neighbourhood]]:
    with committed.app_context():
        people = build_neighbourhood()
        indexer.rebuild()
        db.session.remove()
    with LiveServer(committed) as server:
        yield server.url, people


def log_in(page: Any, url: str, user: Any) -> None:
    page.goto(f"{url}/login")
    page.get_by_label("手机号或邮箱").fill(user.phone)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{url}/")


def flash_text(page: Any) -> str:
    return page.locator(".flash").first.inner_text()


def test_an_item_goes_from_posting_to_a_completed_exchange(site, phones):
    url, people = site
    owner, coordinator, claimant = phones(), phones(), phones()

    # A new resident registers with a mobile number and posts an item.
    owner.goto(f"{url}/register")
    owner.get_by_label("昵称").fill("张阿姨")
    owner.get_by_label("手机号").fill("13700001234")
    owner.get_by_label("密码（至少 8 位）").fill("qingxi-secret-1")
    owner.get_by_label("住在哪里（可不填）").select_option(label="　清溪村健康广场")
    owner.get_by_role("button", name="注册").click()
    assert "注册成功" in flash_text(owner)
    owner.get_by_role("link", name="发布", exact=True).click()
    owner.get_by_role("link", name=re.compile("送出闲置")).click()
    owner.get_by_label("标题").fill("九成新婴儿推车")
    owner.get_by_label("详细说明").fill("可折叠，带遮阳篷，孩子大了用不上。")
    owner.get_by_label("分类").select_option("baby_kids")
    owner.get_by_label("标签（用空格或逗号分开，至少一个）").fill("推车 婴儿")
    owner.get_by_role("button", name="发布").click()
    assert "审核" in flash_text(owner)
    listing_path = owner.url.removeprefix(url)

    # The coordinator approves it from the queue.
    log_in(coordinator, url, people.coordinator)
    coordinator.get_by_role("link", name="审核").first.click()
    card = coordinator.locator("li.card", has_text="九成新婴儿推车")
    card.get_by_role("button", name="通过", exact=True).click()
    assert "已通过" in flash_text(coordinator)

    # A second resident finds it by a Chinese search and claims it.
    log_in(claimant, url, people.neighbour)
    claimant.get_by_label("搜索").fill("婴儿推车")
    claimant.get_by_role("button", name="搜索").click()
    claimant.locator("mark").first.wait_for()
    claimant.get_by_role("link", name="九成新婴儿推车").click()
    assert claimant.url.endswith(listing_path)
    claimant.get_by_role("button", name="申请", exact=True).click()
    assert "申请已提交" in flash_text(claimant)
    code = claimant.locator(".pickup-code").inner_text().strip()
    assert re.fullmatch(r"[0-9]{6}", code)

    # The owner confirms, then enters the claimant's pick-up code at the hand-over.
    owner.goto(f"{url}/me/reservations?role=owner")
    owner.get_by_role("button", name="确认", exact=True).click()
    assert "已确认" in flash_text(owner)
    owner.get_by_label("对方的领取码").fill(code)
    owner.get_by_role("button", name="核对领取码并交接").click()
    assert "已交接" in flash_text(owner)
    owner.get_by_role("button", name="完成", exact=True).click()
    assert "交换完成" in flash_text(owner)

    # The claimant sees it completed, and has been told.
    claimant.goto(f"{url}/me/reservations")
    assert claimant.locator(".reservation .badge").first.inner_text() == "已完成"
    assert claimant.locator(".top .count").inner_text() != ""


def test_a_merchant_donation_is_claimed_by_two_residents(site, phones):
    url, people = site
    merchant, first, second = phones(), phones(), phones()
    tomorrow = (clock.now() + timedelta(days=1)).date().isoformat()

    log_in(merchant, url, people.merchant)
    merchant.goto(f"{url}/post?type=donation")
    merchant.get_by_label("标题").fill("爱心大米两袋")
    merchant.get_by_label("分类").select_option("food")
    merchant.get_by_label("地点", exact=True).select_option(label="　清溪村健康广场")
    merchant.get_by_label("标签（用空格或逗号分开，至少一个）").fill("大米，粮油")
    merchant.get_by_label("数量").fill("2")
    merchant.get_by_label("日期 1").fill(tomorrow)
    merchant.locator("#window-0-start").fill("09:00")
    merchant.locator("#window-0-end").fill("11:00")
    merchant.locator("#window-0-place_id").select_option(label="清溪村健康广场")
    merchant.get_by_role("button", name="发布").click()
    assert "发布成功" in flash_text(merchant)

    for phone, resident in ((first, people.neighbour), (second, people.second_neighbour)):
        log_in(phone, url, resident)
        phone.goto(f"{url}/search?q=大米")
        phone.get_by_role("link", name="爱心大米两袋").click()
        phone.get_by_role("button", name="申请", exact=True).click()
        assert "申请已提交" in flash_text(phone)
        assert phone.locator(".reservation .badge").first.inner_text() == "已确认，待领取"

    first.goto(merchant.url)
    assert "已约满" in first.locator(".listing").inner_text()
    merchant.goto(f"{url}/merchant")
    assert merchant.locator("li.card", has_text="刘先生").count() == 1
    assert merchant.locator("li.card", has_text="赵小妹").count() == 1


def test_the_coordinators_figures_page_draws_its_charts(site, phones):
    url, people = site
    page = phones()

    log_in(page, url, people.coordinator)
    page.get_by_role("link", name="统计").first.click()

    charts = page.locator("svg.chart")
    assert charts.count() == 3
    for index in range(3):
        box = charts.nth(index).bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 40
    assert page.locator("#chart-weekly rect.series-0").count() >= 12
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_a_resident_posts_a_skill_and_edits_its_slots(site, phones):
    url, people = site
    owner = phones()
    day = (clock.now() + timedelta(days=3)).date().isoformat()
    later = (clock.now() + timedelta(days=4)).date().isoformat()

    # Posted as the page shows it: one slot filled in, the blank rows left alone.
    log_in(owner, url, people.neighbour)
    owner.goto(f"{url}/post?type=skill")
    owner.get_by_label("标题").fill("免费理发")
    owner.get_by_label("分类").select_option("beauty")
    owner.get_by_label("标签（用空格或逗号分开，至少一个）").fill("理发")
    owner.get_by_label("日期 1").fill(day)
    owner.get_by_label("开始 1").fill("09:00")
    owner.get_by_label("结束 1").fill("10:00")
    owner.get_by_role("button", name="发布").click()
    assert "审核" in flash_text(owner)

    # The owner gives the slot more places and adds a second one.
    owner.get_by_role("link", name="修改").click()
    owner.get_by_label("名额 1").fill("3")
    owner.get_by_label("日期 2").fill(later)
    owner.get_by_label("开始 2").fill("14:00")
    owner.get_by_label("结束 2").fill("15:00")
    owner.get_by_role("button", name="保存").click()
    assert "已保存" in flash_text(owner)
    slots = owner.locator(".listing ul.plain li")
    assert slots.count() == 2
    assert "3 个名额" in slots.first.inner_text()

    # Then removes the first.
    owner.get_by_role("link", name="修改").click()
    owner.get_by_label("删除时段 1").check()
    owner.get_by_role("button", name="保存").click()
    assert "已保存" in flash_text(owner)
    assert owner.locator(".listing ul.plain li").count() == 1
    assert owner.evaluate("document.documentElement.scrollWidth") <= 360
