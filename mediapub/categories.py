"""Apple Podcasts categories and subcategories: the only values directories accept.

Apple rejects a feed whose ``itunes:category`` is not on this list, spelled
exactly so (``&`` included); Spotify and most apps use the same list.
"""

from __future__ import annotations

APPLE_CATEGORIES: dict[str, tuple[str, ...]] = {
    "Arts": ("Books", "Design", "Fashion & Beauty", "Food", "Performing Arts", "Visual Arts"),
    "Business": ("Careers", "Entrepreneurship", "Investing", "Management", "Marketing", "Non-Profit"),
    "Comedy": ("Comedy Interviews", "Improv", "Stand-Up"),
    "Education": ("Courses", "How To", "Language Learning", "Self-Improvement"),
    "Fiction": ("Comedy Fiction", "Drama", "Science Fiction"),
    "Government": (),
    "History": (),
    "Health & Fitness": ("Alternative Health", "Fitness", "Medicine", "Mental Health", "Nutrition", "Sexuality"),
    "Kids & Family": ("Education for Kids", "Parenting", "Pets & Animals", "Stories for Kids"),
    "Leisure": (
        "Animation & Manga", "Automotive", "Aviation", "Crafts", "Games", "Hobbies", "Home & Garden", "Video Games",
    ),
    "Music": ("Music Commentary", "Music History", "Music Interviews"),
    "News": (
        "Business News", "Daily News", "Entertainment News", "News Commentary", "Politics", "Sports News", "Tech News",
    ),
    "Religion & Spirituality": (
        "Buddhism", "Christianity", "Hinduism", "Islam", "Judaism", "Religion", "Spirituality",
    ),
    "Science": (
        "Astronomy", "Chemistry", "Earth Sciences", "Life Sciences", "Mathematics", "Natural Sciences", "Nature",
        "Physics", "Social Sciences",
    ),
    "Society & Culture": ("Documentary", "Personal Journals", "Philosophy", "Places & Travel", "Relationships"),
    "Sports": (
        "Baseball", "Basketball", "Cricket", "Fantasy Sports", "Football", "Golf", "Hockey", "Rugby", "Running",
        "Soccer", "Swimming", "Tennis", "Volleyball", "Wilderness", "Wrestling",
    ),
    "Technology": (),
    "True Crime": (),
    "TV & Film": ("After Shows", "Film History", "Film Interviews", "Film Reviews", "TV Reviews"),
}  # fmt: skip


def category_problem(name: str, subcategory: str | None) -> str | None:
    """Why ``name``/``subcategory`` is not an Apple category, or None when it is one."""
    if name not in APPLE_CATEGORIES:
        close = [known for known in APPLE_CATEGORIES if known.lower() == name.lower()]
        hint = f'did you mean "{close[0]}"?' if close else "see Apple's list of podcast categories"
        return f'"{name}" is not an Apple Podcasts category ({hint})'
    if subcategory is not None and subcategory not in APPLE_CATEGORIES[name]:
        known = ", ".join(APPLE_CATEGORIES[name]) or "none"
        return f'"{subcategory}" is not a subcategory of "{name}" (its subcategories: {known})'
    return None
