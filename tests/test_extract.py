"""Article extraction on news pages written for these tests (tests/pages/): the story, its facts, and none
of the page around it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from lxml.html import document_fromstring

from mediapub.extract import (
    clean_paragraphs,
    decode_html,
    drop_link_teasers,
    extract_article,
    isolate_article,
    join_split_body,
)
from mediapub.model import ExtractedArticle

PAGES = Path(__file__).resolve().parent / "pages"


def page(name: str) -> bytes:
    return (PAGES / name).read_bytes()


def assert_absent(text: str, *snippets: str) -> None:
    leaked = [snippet for snippet in snippets if snippet.lower() in text.lower()]
    assert not leaked, f"boilerplate in the text: {leaked}"


def test_article_keeps_the_story_and_drops_the_page_around_it() -> None:
    url = "https://theduran.com/mays-cabinet-backs-draft-brexit-withdrawal-deal/?utm_source=feed"
    article = extract_article(page("boilerplate.html"), url)

    assert article.url == url
    assert article.canonical_url == "https://theduran.com/mays-cabinet-backs-draft-brexit-withdrawal-deal/"
    assert article.title == "May’s cabinet backs draft Brexit withdrawal deal after five-hour meeting"
    assert article.site_name == "The Duran"
    assert article.authors == ("Daniel Harper",)
    assert article.published == dt.date(2018, 11, 15)
    assert article.image == "https://theduran.com/wp-content/uploads/2018/11/downing-street-night.jpg"
    assert article.via == "RT"

    paragraphs = article.text.split("\n\n")
    assert len(paragraphs) == 7
    assert paragraphs[0].startswith("Theresa May emerged from a marathon cabinet meeting")
    assert "a financial settlement estimated at around £39 billion" in article.text
    assert paragraphs[-1].endswith("have already said they cannot support it.")
    assert_absent(
        article.text,
        "Via RT",
        "Patreon",
        "Liked it?",
        "Share on",
        "Tweet",
        "1.2K Shares",
        "READ MORE",
        "DUP warns it will vote against",  # an inline teaser and a related-article card
        "Sterling swings",
        "EU leaders set a date",  # a list of links in the body
        "Brexit secretary under pressure",
        "morning briefing",  # a sign-up box that never says "newsletter"
        "You may also like",
        "newsletter",
        "inbox",
        "Leave a Reply",
        "Your email address",
        "Post Comment",
        "2 Comments",
        "Nobody voted for a deal",  # a reader's comment
        "Latest News",
        "All rights reserved",
        "Privacy Policy",
        "Tags:",
    )


@pytest.mark.parametrize(
    ("name", "url", "title", "author", "published", "first", "last"),
    [
        (
            "infinite_scroll.html",  # each story is an <article> with its own h1/h2 headline
            "https://northernledger.co.uk/2018/11/16/irish-border-backstop-what-the-draft-deal-says/",
            "Irish border backstop: what the draft deal actually says",
            "Siobhan McAllister",
            dt.date(2018, 11, 16),
            "The protocol on Ireland and Northern Ireland runs to more than one hundred",
            "before it is ever triggered.",
        ),
        (
            "infinite_scroll_flat.html",  # the stories follow one another inside one container
            "https://westminsterwire.com/news/parliament-vote-brexit-deal-december",
            "Parliament to get vote on Brexit deal before Christmas",
            "Eleanor Fitch",
            dt.date(2018, 11, 26),
            "Members of Parliament will vote on the withdrawal agreement",
            "with a statement on how it intends to proceed.",
        ),
    ],
)
def test_a_page_of_several_stories_yields_only_the_first(
    name: str, url: str, title: str, author: str, published: dt.date, first: str, last: str
) -> None:
    article = extract_article(page(name), url)

    assert article.title == title
    assert article.authors == (author,)
    assert article.published == published
    assert article.text.startswith(first)
    assert article.text.endswith(last)
    assert_absent(
        article.text,
        "Continue Reading",
        # the next stories' headlines, bylines and text
        "resign over Brexit text",
        "Brexit secretary resigned",
        "Tom Whitaker",
        "Sterling tumbles",
        "steepest one-day fall",
        "Peterhead",
        "customs union, explained",
        "EU leaders sign off",
        "twenty-seven remaining member states",
        "Marcus Lindqvist",
        "Madrid lifted its threat",
        "largest employers",
        "Most read",
    )


def test_the_next_story_is_cut_from_the_page_itself() -> None:
    tree = document_fromstring(page("infinite_scroll_flat.html").decode("utf-8"))
    url = "https://westminsterwire.com/news/parliament-vote-brexit-deal-december"

    isolate_article(tree, "Parliament to get vote on Brexit deal before Christmas", (url, url))

    left = tree.find("body").text_content()
    assert "twenty-one days to return to the House" in left
    assert "EU leaders sign off" not in left and "Spain drops objection" not in left


def test_a_paywall_stub_gives_its_teaser_without_the_subscription_box() -> None:
    article = extract_article(page("paywall.html"), "https://sovereignreview.co.uk/politics/inside-the-cabinet-room")

    assert article.title == "Inside the cabinet room: how the Brexit deal was sold"
    assert article.authors == ("James Aldridge",)
    assert article.published == dt.date(2018, 11, 17)
    assert article.text.startswith("For five hours on Wednesday afternoon, the prime minister went round")
    assert "\n\n" not in article.text  # the one teaser paragraph is all there is
    assert_absent(article.text, "Subscribe", "£1 a week", "Log in", "Political Editor", "17 November 2018")


def test_windows_1252_without_any_declaration_decodes_to_the_right_characters() -> None:
    body = page("windows1252.html")
    assert b"charset" not in body.lower() and "é".encode("cp1252") in body  # the fixture declares nothing

    html = decode_html(body, None)
    assert "Brexit and the café owners of Soho" in html
    assert "risen by €2 a kilo" in html
    assert "“We don’t know what happens in March,” she says" in html
    assert "Her naïve hope" in html and "now sells for £2.40" in html

    article = extract_article(body, "https://sohogazette.co.uk/news/brexit-cafe-owners")
    assert article.title == "Brexit and the café owners of Soho"
    assert article.authors == ("Renée Dubois",)
    assert article.site_name == "sohogazette.co.uk"
    assert "“I’ve been too busy running a café,” one said." in article.text


def test_charset_clues_are_taken_in_the_browser_order() -> None:
    text = "<html><head>{meta}</head><body><p>Caf\u00e9 \u201cBrexit\u201d \u20ac5</p></body></html>"
    latin = text.format(meta='<meta charset="iso-8859-1">').encode("cp1252")
    assert "Café “Brexit” €5" in decode_html(latin, None)  # Latin-1 labels mean windows-1252, as in browsers
    utf8 = text.format(meta='<meta charset="windows-1252">').encode("utf-8")
    assert "Café “Brexit” €5" in decode_html(utf8, "utf-8")  # the HTTP header outranks the page
    assert "Café “Brexit” €5" in decode_html(utf8, "text/html; charset=UTF-8")
    assert "Café “Brexit” €5" in decode_html(b"\xef\xbb\xbf" + utf8, "iso-8859-1")  # and a BOM outranks both


def test_a_date_only_in_json_ld_is_found() -> None:
    body = page("jsonld_date.html")
    assert b"<time" not in body and b"published_time" not in body and b'<meta name="date' not in body

    article = extract_article(body, "https://dailymeridian.com/politics/gove-stays-in-cabinet")

    assert article.published == dt.date(2018, 11, 16)
    assert article.title == "Gove stays in cabinet to 'get the best deal for Britain'"
    assert article.authors == ("Rebecca Thornton", "Aled Morgan")
    assert article.site_name == "Daily Meridian"
    assert article.image == "https://dailymeridian.com/media/gove-downing-street.jpg"
    assert article.text.startswith("The environment secretary has decided to remain in the cabinet")
    assert "no confidence in her leadership." in article.text


def test_the_site_name_is_taken_off_the_title() -> None:
    html = """<html><head><title>Sterling falls as ministers quit | The Ledger</title>
    <meta property="og:site_name" content="The Ledger"></head><body><div><p>{}</p></div></body></html>"""
    prose = "The pound fell sharply against the dollar on Thursday as two cabinet ministers resigned. " * 3
    article = extract_article(html.format(prose), "https://ledger.example/sterling")
    assert isinstance(article, ExtractedArticle)
    assert article.title == "Sterling falls as ministers quit"
    assert article.canonical_url is None and article.image is None and article.via is None


def test_script_text_never_reaches_the_title_or_text() -> None:
    html = """<html><head><style>h1{color:red}</style></head><body><article>
    <h1>Council <script>alert("title")</script>approves budget</h1>
    <p>The council approved the budget on Tuesday <script>alert(1)</script>after a long debate about road repairs
    and school funding across the district, officials said.</p></article></body></html>"""
    article = extract_article(html, "https://example.com/budget")
    assert article.title == "Council approves budget"
    assert "alert" not in article.text and "color" not in article.text


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"   \n ",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)) * 8,
        "<html><body>\x00\x01\x02\x03\x04\x05\x06\x07</body></html>",
        b"<html><head><title>Home</title></head><body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav></body>",
    ],
    ids=["empty", "blank", "binary", "control characters", "navigation only"],
)
def test_a_page_without_article_text_is_an_error(body: bytes | str) -> None:
    with pytest.raises(ValueError):
        extract_article(body, "https://example.com/story")


def test_furniture_lines_go_and_a_credit_line_becomes_via() -> None:
    paragraphs = [
        "Ministers met for five hours on Wednesday.",
        "Sterling swings as traders bet on a breakthrough",  # the headline, repeated by the page
        "READ MORE: DUP warns it will vote against any backstop",
        "Continue Reading",
        "Share this:",
        "Liked it? Take a second to support The Duran on Patreon!",
        "Sign up for our newsletter and get the top stories delivered to your inbox.",
        "Follow her on Twitter @reporter.",
        "Filed under: Brexit | Politics",
        "The deal now goes to Parliament.",
        "Via Reuters",
        "Leave a Reply",
        "I disagree with every word of this.",
    ]

    kept, via = clean_paragraphs(paragraphs, "Sterling swings as traders bet on a breakthrough")

    assert kept == ["Ministers met for five hours on Wednesday.", "The deal now goes to Parliament."]
    assert via == "Reuters"


def test_prose_that_mentions_the_same_words_stays() -> None:
    paragraphs = [
        "Via the new rail link, freight from Rotterdam would reach Birmingham in under a day, officials said.",
        "The newsletter, which goes to every MP, urged readers to sign up to a pledge against the backstop, "
        "and its editor said it had been delivered to more than four hundred offices by Monday morning, "
        "a claim Downing Street did not dispute when asked about it by reporters at the afternoon briefing "
        "on Tuesday, nor when the question was raised again in the Commons later that week by several "
        "backbench MPs.",
    ]
    assert clean_paragraphs(paragraphs, None) == (paragraphs, None)


def test_a_body_split_around_ads_is_joined_in_page_order() -> None:
    parts = "".join(
        f'<div class="row"><div class="body-part"><p>Paragraph {n}a is long enough to count as prose.</p>'
        f"<p>Paragraph {n}b is long enough to count as prose.</p></div></div>"
        f'<div class="ad"><span>Advertisement</span></div><h2>Heading {n}</h2>'
        for n in (1, 2, 3)
    )
    tree = document_fromstring(f"<html><body><main>{parts}</main></body></html>")

    join_split_body(tree)

    joined = tree.find_class("body-part")[0]
    assert [child.text_content()[:12] for child in joined] == [
        *("Paragraph 1a", "Paragraph 1b", "Heading 1", "Paragraph 2a", "Paragraph 2b", "Heading 2"),
        *("Paragraph 3a", "Paragraph 3b"),
    ]
    assert "Advertisement" not in joined.text_content()


def test_link_only_paragraphs_are_teasers_but_short_citations_stay() -> None:
    url = "https://ledger.example/story"
    tree = document_fromstring(
        "<html><body><p>The pound fell on Thursday, <a href='/markets'>traders said</a>.</p>"
        "<ul><li><a href='/other'>Dublin quietly prepares for a no-deal exit</a></li></ul>"
        "<p><a href='https://www.reuters.com/x'>[Reuters]</a></p>"
        "<p><a href='/story#update'>Jump to the latest update on the vote</a></p></body></html>"
    )

    drop_link_teasers(tree, (url, url))

    text = tree.find("body").text_content()
    assert "The pound fell" in text and "[Reuters]" in text and "Jump to the latest update" in text
    assert "Dublin quietly prepares" not in text
