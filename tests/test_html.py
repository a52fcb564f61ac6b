"""The self-contained HTML page, opened in a real headless browser (Debian's
Chromium driven by Playwright): the flowchart's nodes are visible and nothing
is fetched from the network."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import asanimza_policy as ap
from asanimza_policy import render
from asanimza_policy.htmlpage import html_page

from .test_render import FIXTURES, POLICY_FILE

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]

playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (apt-get install chromium; "
                       "`make test` installs it where apt-get works)"),
    pytest.mark.skipif(shutil.which("dot") is None, reason=render.INSTALL_DOT),
]


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.mark.parametrize("path", [POLICY_FILE, FIXTURES / "library-card" / "1.1.0.yaml"],
                         ids=["asan-imza-renewal", "library-card"])
def test_page_shows_every_node_and_fetches_nothing(browser, path, tmp_path):
    policy = ap.load(path)
    page_file = tmp_path / "page.html"
    page_file.write_text(html_page(policy, [policy], render.to_svg(policy)), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    requests = []
    page.on("request", lambda req: requests.append(req.url))
    page.goto(page_file.as_uri())
    page.wait_for_load_state("load")
    nodes = page.locator("svg g.node")
    titles = [nodes.nth(i).locator("title").text_content() for i in range(nodes.count())]
    assert sorted(titles) == sorted([*policy.nodes, "__start", "__legend"])
    for i in range(nodes.count()):
        node = nodes.nth(i)
        node.scroll_into_view_if_needed()
        assert node.is_visible(), titles[i]
        box = node.bounding_box()
        assert box and box["width"] > 20 and box["height"] > 10, titles[i]
    for node in policy.nodes.values():     # each box shows its title, as visible text
        drawn = nodes.nth(titles.index(node.id)).locator("text")
        assert drawn.first.is_visible()
        assert " ".join(node.title.split()[:2]) in " ".join(drawn.all_text_contents())
    # the page itself is the only thing loaded: no stylesheet, font, script or image from anywhere
    assert requests == [page_file.as_uri()]
    page.close()


def test_page_quotes_the_source_and_lists_the_routes(browser, tmp_path):
    policy = ap.load(POLICY_FILE)
    page_file = tmp_path / "page.html"
    page_file.write_text(html_page(policy, [policy], render.to_svg(policy)), encoding="utf-8")
    page = browser.new_page()
    page.goto(page_file.as_uri())
    rows = page.locator("#routes + p + table tr")
    assert rows.count() == 1 + 11
    quote = page.locator("blockquote", has_text="approach one of the Azercell Exclusive offices with his / her ID card")
    assert quote.count() >= 1 or page.locator("blockquote", has_text="with his / her ID card").count() >= 1
    assert "To extend the Asan Imza service" in page.locator("pre.source").text_content()
    page.close()
