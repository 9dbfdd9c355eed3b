from tests.integration.vocabulary.conftest import Learner


def test_list_item_flow(ana: Learner, ben: Learner) -> None:
    lst = ana.new_list("Animales", isPublic=True, sharedWith=["ben"])
    assert lst["sharedWith"][0]["username"] == "ben", lst
    items = ana.save(lst["id"], ("perro", "dog"), ("gato", "cat"))
    assert len(items) == 2
    page = ben.call("GET", f"/api/vocabulary/lists/{lst['id']}/items", query="includeProgress=true&sort=spanishText")
    assert page.status == 200, page
    assert [i["spanishText"] for i in page.data] == ["gato", "perro"]
    r = ben.call("POST", "/api/vocabulary/review", {"itemId": items[0]["id"], "rating": "good"})
    assert r.status == 200, r
    q = ben.call("GET", "/api/vocabulary/review", query=f"listId={lst['id']}")
    assert q.status == 200, q
    s = ben.call("GET", "/api/search/vocabulary", query="q=perr&scope=all")
    assert s.status == 200, s
    assert s.data[0]["spanishText"] == "perro", s
    d = ana.call("DELETE", f"/api/vocabulary/lists/{lst['id']}")
    assert d.status == 200, d
    mine = ben.call("GET", "/api/vocabulary/lists")
    assert [x["name"] for x in mine.data] == ["Animales (archived)"], mine
