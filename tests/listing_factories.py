"""factory-boy factories for listings, moderation and notifications; they flush, never commit.

Listings are built public (approved and open) unless a test says otherwise, in a community of
their own, with times taken from ``marketplace.clock`` so that a frozen clock applies to them.
"""

from __future__ import annotations

from datetime import timedelta

import factory

from marketplace import clock
from marketplace.listings.models import Listing, ListingSlot, PickupWindow
from marketplace.moderation.models import ModerationAction, Report
from marketplace.notifications.models import Notification
from tests.factories import (
    BaseFactory,
    CommunityFactory,
    CoordinatorFactory,
    MerchantFactory,
    UserFactory,
)


def _days_ahead(days: int) -> factory.LazyFunction:
    return factory.LazyFunction(lambda: clock.now() + timedelta(days=days))


class ListingFactory(BaseFactory):
    """An item given away: the simplest public offer."""

    class Meta:
        model = Listing

    side = "offer"
    kind = "item"
    mode = "give"
    title = factory.Sequence(lambda n: f"闲置物品{n}")
    description = "九成新，自取。"
    category = "household"
    tags = factory.LazyFunction(lambda: ["闲置"])
    photo_urls = factory.LazyFunction(list)
    owner = factory.SubFactory(UserFactory)
    organisation = None
    place = factory.SubFactory(CommunityFactory)
    status = "open"
    moderation = "approved"
    moderation_reason = ""
    created_at = factory.LazyFunction(clock.now)
    updated_at = factory.LazyAttribute(lambda listing: listing.created_at)
    expires_at = _days_ahead(30)
    quantity = 1
    auto_confirm = False


class ItemOfferFactory(ListingFactory):
    """An item given away; ListingFactory named for its kind."""


class LendOfferFactory(ListingFactory):
    title = factory.Sequence(lambda n: f"电钻出借{n}")
    category = "tools"
    mode = "lend"
    max_lend_days = 7


class SkillOfferFactory(ListingFactory):
    """A skill with one bookable slot tomorrow morning."""

    title = factory.Sequence(lambda n: f"义务理发{n}")
    kind = "skill"
    mode = None
    category = "beauty"
    quantity = None
    slots = factory.RelatedFactoryList(
        "tests.listing_factories.ListingSlotFactory", factory_related_name="listing", size=1
    )


class DonationOfferFactory(ListingFactory):
    """A merchant's donation, posted for its organisation, with one pick-up window."""

    title = factory.Sequence(lambda n: f"爱心捐赠大米{n}")
    kind = "donation"
    mode = None
    category = "food"
    owner = factory.SubFactory(MerchantFactory)
    organisation = factory.SelfAttribute("owner.organisation")
    quantity = 20
    per_person_limit = 2
    auto_confirm = True
    pickup_windows = factory.RelatedFactoryList(
        "tests.listing_factories.PickupWindowFactory", factory_related_name="listing", size=1
    )


class ItemRequestFactory(ListingFactory):
    title = factory.Sequence(lambda n: f"求购婴儿车{n}")
    side = "request"
    mode = None
    category = "baby_kids"
    quantity = None
    needed_by = _days_ahead(14)
    urgency = "normal"
    quantity_wanted = 1


class SkillRequestFactory(ItemRequestFactory):
    title = factory.Sequence(lambda n: f"求数学辅导{n}")
    kind = "skill"
    category = "tutoring"


class ListingSlotFactory(BaseFactory):
    class Meta:
        model = ListingSlot

    listing = factory.SubFactory(SkillOfferFactory, slots=[])
    starts_at = factory.LazyFunction(lambda: clock.now() + timedelta(days=1))
    ends_at = factory.LazyAttribute(lambda slot: slot.starts_at + timedelta(hours=1))
    capacity = 1


class PickupWindowFactory(BaseFactory):
    class Meta:
        model = PickupWindow

    listing = factory.SubFactory(DonationOfferFactory, pickup_windows=[])
    starts_at = factory.LazyFunction(lambda: clock.now() + timedelta(days=1))
    ends_at = factory.LazyAttribute(lambda window: window.starts_at + timedelta(hours=3))
    place = factory.SelfAttribute("listing.place")


class ReportFactory(BaseFactory):
    """An open report of a listing by a resident."""

    class Meta:
        model = Report

    class Params:
        reporter = factory.SubFactory(UserFactory)
        listing = factory.SubFactory(ListingFactory)
        reported_user = None

    reporter_id = factory.SelfAttribute("reporter.id")
    listing_id = factory.LazyAttribute(lambda report: report.listing and report.listing.id)
    reported_user_id = factory.LazyAttribute(
        lambda report: report.reported_user and report.reported_user.id
    )
    reason = "spam"
    details = ""
    status = "open"
    created_at = factory.LazyFunction(clock.now)


class UserReportFactory(ReportFactory):
    """An open report of a user."""

    class Params:
        listing = None
        reported_user = factory.SubFactory(UserFactory)


class ModerationActionFactory(BaseFactory):
    """A line of the audit log, as a coordinator's hide of a listing writes it."""

    class Meta:
        model = ModerationAction

    class Params:
        actor = factory.SubFactory(CoordinatorFactory)
        listing = factory.SubFactory(ListingFactory)

    actor_id = factory.LazyAttribute(lambda action: action.actor and action.actor.id)
    action = "hide_listing"
    target_type = "listing"
    target_id = factory.SelfAttribute("listing.id")
    reason = "广告信息"
    details = factory.LazyFunction(dict)
    created_at = factory.LazyFunction(clock.now)


class NotificationFactory(BaseFactory):
    """An unread notice in a user's inbox."""

    class Meta:
        model = Notification

    class Params:
        user = factory.SubFactory(UserFactory)

    user_id = factory.SelfAttribute("user.id")
    kind = "listing_approved"
    payload = factory.LazyFunction(lambda: {"listing_id": 1, "title": "旧书包"})
    created_at = factory.LazyFunction(clock.now)
    read_at = None
