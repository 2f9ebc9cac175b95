"""What differs between Shopee sites: currency, how shops price, the words streams are made of.

The reference says the livestream OpenAPI serves TW, ID and TH today; docs/providers/shopee.md maps
all seven sites to a currency. The sandbox has accounts on all seven so a source's
region-to-currency mapping is exercised for every site, not only the first three.
"""

from __future__ import annotations

REGIONS = ("TW", "ID", "TH", "MY", "PH", "SG", "VN")
CURRENCY = {
    "TW": "TWD",
    "ID": "IDR",
    "TH": "THB",
    "MY": "MYR",
    "PH": "PHP",
    "SG": "SGD",
    "VN": "VND",
}
# The sites of one unit of scale: the three livestream sites, a second TW account (two accounts
# sharing a currency), then the other four sites.
SELLER_ROTATION = ("TW", "ID", "TH", "TW", "MY", "PH", "SG", "VN")
# Log-uniform price range per region, in local currency.
PRICE_RANGE = {
    "TW": (99.0, 2990.0),
    "ID": (15_000.0, 750_000.0),
    "TH": (59.0, 1990.0),
    "MY": (5.0, 300.0),
    "PH": (49.0, 4999.0),
    "SG": (2.0, 200.0),
    "VN": (20_000.0, 2_000_000.0),
}
# Shops price in these steps: IDR in hundreds, VND in thousands, MYR and SGD in ten cents,
# the rest in whole units. GMV in IDR and VND is reported in whole units, the rest in cents.
PRICE_STEP = {"ID": 100.0, "VN": 1000.0, "MY": 0.1, "SG": 0.1}
WHOLE_GMV = frozenset({"ID", "VN"})

TITLES = {
    "TW": ("週末直播特賣", "新品開箱", "美妝教學直播", "限時搶購", "宵夜好物分享"),
    "ID": (
        "Flash Sale Malam Ini",
        "Live Unboxing",
        "Promo Gajian",
        "Tips Skincare",
        "Diskon 12.12",
    ),
    "TH": ("ไลฟ์สดลดราคา", "แกะกล่องสินค้าใหม่", "โปรเด็ดเที่ยงคืน", "รีวิวสกินแคร์", "ช้อปสนุก"),
    "MY": (
        "Jualan Langsung Malam Ini",
        "Live Unboxing",
        "Promosi Hujung Minggu",
        "Tips Kecantikan",
        "Sale 11.11",
    ),
    "PH": (
        "Live Selling Tonight",
        "Mine Mine Sale",
        "Payday Sale Live",
        "Skincare Haul",
        "Flash Deals",
    ),
    "SG": (
        "Weekend Live Deals",
        "New Arrivals Unboxing",
        "Beauty Tips Live",
        "Midnight Flash Sale",
        "Members Day Live",
    ),
    "VN": (
        "Livestream Săn Sale",
        "Đập Hộp Sản Phẩm Mới",
        "Siêu Sale Cuối Tuần",
        "Mẹo Làm Đẹp",
        "Flash Sale 12.12",
    ),
}
COMMENTS = {
    "TW": ("好漂亮", "多少錢?", "還有貨嗎", "+1", "請問有其他顏色嗎", "已下單!"),
    "ID": ("Kak, ready?", "Harga berapa?", "Mau dong", "Sudah checkout", "Ongkir gratis?", "Cakep"),
    "TH": ("สวยมาก", "ราคาเท่าไหร่คะ", "CF ค่ะ", "มีสีอื่นไหม", "สั่งแล้วค่ะ", "ส่งฟรีไหม"),
    "MY": (
        "Cantiknya",
        "Berapa harga?",
        "Nak satu",
        "Dah checkout",
        "Free shipping ke?",
        "Ada warna lain?",
    ),
    "PH": (
        "Mine!",
        "Magkano po?",
        "Available pa po?",
        "Checked out na",
        "Free shipping po?",
        "Ganda!",
    ),
    "SG": (
        "So nice!",
        "How much?",
        "Still have stock?",
        "Ordered!",
        "Any other colours?",
        "Free delivery?",
    ),
    "VN": (
        "Đẹp quá",
        "Giá bao nhiêu ạ?",
        "Còn hàng không shop?",
        "Đã đặt rồi",
        "Có màu khác không?",
        "Freeship không ạ?",
    ),
}


def shop_price(value: float, region: str) -> float:
    """A price as the region's shops write it (never below one step)."""
    step = PRICE_STEP.get(region, 1.0)
    return float(round(max(round(value / step), 1) * step, 2))


def gmv_amount(value: float, region: str) -> float:
    """GMV as get_session_metric reports it: whole IDR and VND, cents elsewhere; always a float."""
    return float(round(value)) if region in WHOLE_GMV else float(round(value, 2))
