"""Static Trovo catalogue: game categories, platform emotes, name parts and the error table.

Kept apart from the world so the seeded parts read as what they are (draws), and the fixed
parts (the reference's own categories and error texts) can be checked against the page.
"""

from __future__ import annotations

# Credentials the sandbox accepts unless options say otherwise.
DEFAULT_CLIENT_ID = "4f2b7c9e1a8d4e6fb3c05a7d9e2f1b60"
DEFAULT_CLIENT_SECRET = "9c1e5a7b3d2f4e6a8b0c1d2e3f4a5b6c"
DEFAULT_REDIRECT_URI = "https://localhost/oauth/trovo/callback"

# (id, name, short_name), in the order /categorys/top answers (popularity). The first few are
# the reference's own sample categories so its examples read the same here.
CATEGORIES: tuple[tuple[str, str, str], ...] = (
    ("10023", "PUBG Mobile", "PUBGM"),
    ("10028", "Call of Duty Mobile", "CODM"),
    ("10672", "Genshin Impact", "Genshin"),
    ("2000027", "Apex Legends", "Apex"),
    ("2000017", "PLAYERUNKNOWN'S BATTLEGROUNDS", "PUBG"),
    ("10061", "Free Fire", "FF"),
    ("10137", "Just Chatting", "Chatting"),
    ("10091", "Minecraft", "MC"),
    ("10012", "Fortnite", "Fortnite"),
    ("10008", "League of Legends", "LoL"),
    ("10459", "VALORANT", "Valorant"),
    ("10026", "Grand Theft Auto V", "GTA V"),
    ("10094", "Mobile Legends: Bang Bang", "MLBB"),
    ("10372", "Counter-Strike 2", "CS2"),
    ("10011", "Dota 2", "Dota2"),
    ("10205", "Roblox", "Roblox"),
    ("10328", "Among Us", "Among Us"),
    ("10087", "Rust", "Rust"),
    ("10120", "Escape from Tarkov", "EFT"),
    ("10004", "World of Warcraft", "WoW"),
    ("10006", "Hearthstone", "HS"),
    ("10544", "Call of Duty: Warzone", "Warzone"),
    ("10612", "Overwatch 2", "OW2"),
    ("10701", "ELDEN RING", "Elden Ring"),
    ("10215", "Clash Royale", "CR"),
    ("10238", "Brawl Stars", "Brawl"),
    ("10110", "Rocket League", "RL"),
    ("10142", "Dead by Daylight", "DbD"),
    ("10150", "Music", "Music"),
    ("10151", "Art", "Art"),
)
CATEGORY_BY_ID = {c[0]: c for c in CATEGORIES}

LANGUAGES = ("EN", "EN", "EN", "ES", "PT", "DE", "FR", "RU", "TR", "ID", "TH", "VI")
AUDIENCES = (
    "CHANNEL_AUDIENCE_TYPE_FAMILYFRIENDLY",
    "CHANNEL_AUDIENCE_TYPE_TEEN",
    "CHANNEL_AUDIENCE_TYPE_EIGHTEENPLUS",
)
RESOLUTIONS = ("480P", "720P", "720P", "1080P", "1080P")
SOCIAL_TYPES = ("Discord", "Youtube", "Instagram", "Twitter", "TikTok")

SCOPES = frozenset(
    {
        "user_details_self",
        "channel_details_self",
        "channel_update_self",
        "channel_subscriptions",
        "chat_send_self",
        "send_to_my_channel",
        "manage_messages",
    }
)

NAME_HEADS = (
    "Danni", "Rebalo", "Leaf", "Hector", "Nova", "Pixel", "Shadow", "Lucky", "Frost", "Blaze",
    "Echo", "Mango", "Turbo", "Cosmic", "Sunny", "Rogue", "Viper", "Kiko", "Luna", "Zen",
    "Iron", "Ruby", "Ghost", "Neon", "Atlas", "Maple", "Orbit", "Rio", "Tango", "Yuki",
)  # fmt: skip
NAME_TAILS = (
    "Gaming", "Plays", "Live", "TV", "Pro", "Gamer", "Queen", "King", "Storm", "Fox",
    "Wolf", "Bear", "Hawk", "Byte", "Ace", "Sniper", "Mage", "Rider", "Chef", "Beats",
)  # fmt: skip
USER_WORDS = (
    "games", "leaf", "patrick", "keeman", "yaja", "ray", "moon", "star", "pixel", "coco",
    "milo", "tofu", "kiwi", "nacho", "juno", "felix", "nina", "omar", "sora", "vale",
    "bruno", "lia", "tasha", "dex", "gigi", "hugo", "ivy", "remy", "zara", "otto",
)  # fmt: skip
TITLES = (
    "En busca del top 100, llegare?! Rumbo a los 10K",
    "#1 Ranked Player",
    "Chill ranked grind, come hang",
    "Road to Conqueror",
    "Viewer games all night",
    "New season, new goals",
    "Customs with subs",
    "Morning coffee stream",
    "Late night chaos",
    "Tournament practice",
    "Speedrun attempts",
    "Just chatting and vibes",
)
STREAMER_INFOS = (
    "Hello this is {name}!",
    "Streaming daily, follow for more",
    "Pro player, content creator",
    "Welcome to the family",
    "Chill vibes only",
)

GLOBAL_EMOTES = ("Cupcake!", "Trovo", "HeyGuys", "LUL", "PogChamp", "Hype", "GG", "Love")
EVENT_EMOTES = (("Valentine Hype", "3roses"), ("Winter Fest", "snowball"), ("Summer Jam", "sunny"))

# Error table (reference section 11): status -> (HTTP status, message). The message is the
# table's "Error Message" column verbatim; ``error`` in a body is the HTTP reason phrase.
ERRORS: dict[int, tuple[int, str]] = {
    -1000: (500, "Internal server error."),
    1002: (400, "Invalid parameters."),
    10505: (400, "Invalid user."),
    10703: (403, "Authorization failed."),
    10908: (400, "Please don't spam."),
    11000: (400, "Invalid category."),
    11701: (400, "Invalid header."),
    11703: (400, "Invalid scope"),
    11704: (401, "Invalid access token."),
    11706: (
        429,
        "API rate limit exceeded."
        " (You may apply for rate limit increase by contacting Trovo staff)",
    ),
    11707: (403, "No permission to send chats to this channel."),
    11710: (400, "Authorization Code doesn't exist or has expired"),
    11711: (400, "Authorization Code has been used"),
    11712: (400, "Refresh token has expired"),
    11713: (400, "Invalid refresh token"),
    11714: (401, "Access token has expired"),
    11715: (400, "Invalid grant type"),
    11716: (400, "Invalid Redirect URI"),
    11717: (400, "Invalid client secret"),
    11718: (400, "Access token num limit"),
    11730: (403, "scope not authorized"),
    20000: (400, "Unknown bad request error. Please report to developer@trovo.live"),
}
REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
