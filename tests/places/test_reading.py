"""Anyone, logged in or not, reads the place tree."""

from __future__ import annotations

from tests.core.error_shape import assert_error
from tests.factories import CommunityFactory, GridFactory, SubdistrictFactory


def test_anonymous_visitor_lists_places_flat_by_path_with_parent_ids(client, branch):
    second_grid = GridFactory(parent=branch["community"], name="清溪村第二网格")

    response = client.get("/api/v1/places")

    assert response.status_code == 200
    places = response.json
    assert [place["path"] for place in places] == sorted(place["path"] for place in places)
    assert {place["id"] for place in places} == {
        *(place.id for place in branch.values()),
        second_grid.id,
    }
    position = {place["id"]: index for index, place in enumerate(places)}
    for place in places:
        assert place["children"] == []
        if place["parent_id"] is not None:
            assert position[place["parent_id"]] < position[place["id"]]
    by_id = {place["id"]: place for place in places}
    zone = by_id[branch["zone"].id]
    assert zone["parent_id"] == branch["space"].id
    assert zone["kind"] == "zone"
    assert zone["depth"] == 4
    assert by_id[branch["subdistrict"].id]["parent_id"] is None


def test_places_can_be_listed_by_kind(client, branch):
    second_grid = GridFactory(parent=branch["community"], name="清溪村第二网格")

    response = client.get("/api/v1/places?kind=grid")

    assert response.status_code == 200
    assert sorted(place["id"] for place in response.json) == sorted(
        [branch["grid"].id, second_grid.id]
    )


def test_anonymous_visitor_reads_the_tree_nested_from_the_root(client):
    root = SubdistrictFactory(name="雕庄街道")
    qingxi = CommunityFactory(parent=root, name="清溪村")
    cailing = CommunityFactory(parent=root, name="采菱社区")
    grid = GridFactory(parent=qingxi, name="清溪村第一网格")

    response = client.get("/api/v1/places?tree=1")

    assert response.status_code == 200
    [root_node] = response.json
    assert root_node["id"] == root.id
    assert root_node["parent_id"] is None
    communities = root_node["children"]
    assert [node["name"] for node in communities] == sorted(["清溪村", "采菱社区"])
    by_name = {node["name"]: node for node in communities}
    assert by_name["清溪村"]["id"] == qingxi.id
    assert by_name["采菱社区"]["id"] == cailing.id
    assert by_name["采菱社区"]["children"] == []
    [grid_node] = by_name["清溪村"]["children"]
    assert grid_node["id"] == grid.id
    assert grid_node["parent_id"] == qingxi.id
    assert grid_node["path"] == f"/{root.id}/{qingxi.id}/{grid.id}/"
    assert grid_node["children"] == []


def test_tree_of_an_empty_database_is_an_empty_list(client):
    response = client.get("/api/v1/places?tree=1")

    assert response.status_code == 200
    assert response.json == []


def test_anonymous_visitor_reads_one_place(client, branch):
    space = branch["space"]

    response = client.get(f"/api/v1/places/{space.id}")

    assert response.status_code == 200
    assert response.json["id"] == space.id
    assert response.json["name"] == "清溪村健康广场"
    assert response.json["kind"] == "space"
    assert response.json["parent_id"] == branch["grid"].id
    assert response.json["path"] == space.path
    assert response.json["depth"] == 3


def test_unknown_place_is_404(client, branch):
    response = client.get(f"/api/v1/places/{branch['zone'].id + 1000}")

    assert_error(response, 404, "not_found")
