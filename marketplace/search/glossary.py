"""English and Chinese names of the things and skills neighbours share, so that a search in one
language also finds listings written in the other: ``stroller`` finds 婴儿车, 电钻 finds
``power drill``. Used at query time only; matches through it rank below same-language ones.

Each entry pairs English words or phrases of up to three words with the Chinese words for the
same thing. Both sides go through the search analyser when the glossary is first used, so a
phrase matches the terms the index holds (``rice cooker`` is looked for as the stems ``rice
cooker``; 喂猫 as its words 喂 and 猫 together). Single characters that thousands of listings
have (修, 书, 借) are left out: they say little about what a listing is about, and searching
for them costs more than the rest of the query.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from whoosh.support.levenshtein import levenshtein

from marketplace.search.analysis import MIN_FUZZY_LENGTH, whole_words, word_terms

# (English words or phrases, Chinese words), by the marketplace's categories.
ENTRIES: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    # household
    (("rice cooker",), ("电饭煲", "电饭锅")),
    (("microwave",), ("微波炉",)),
    (("fan", "electric fan"), ("电风扇", "风扇")),
    (("heater",), ("取暖器", "暖风机")),
    (("humidifier",), ("加湿器",)),
    (("sofa", "couch"), ("沙发",)),
    (("desk",), ("书桌",)),
    (("desk lamp", "lamp"), ("台灯",)),
    (("vacuum", "vacuum cleaner", "hoover"), ("吸尘器",)),
    (("kettle",), ("电水壶", "水壶")),
    (("curtain",), ("窗帘",)),
    (("wardrobe",), ("衣柜",)),
    (("table",), ("桌子", "餐桌")),
    (("chair",), ("椅子",)),
    (("mattress",), ("床垫",)),
    (("bookshelf", "bookcase"), ("书架",)),
    (("armchair",), ("扶手椅",)),
    (("wok", "pan"), ("炒锅",)),
    (("fridge", "refrigerator"), ("冰箱",)),
    (("washing machine",), ("洗衣机",)),
    (("umbrella",), ("雨伞",)),
    (("ladder", "stepladder"), ("梯子", "人字梯")),
    (("sewing machine",), ("缝纫机",)),
    # baby and children
    (("stroller", "pram", "pushchair", "buggy"), ("婴儿车", "童车")),
    (("crib", "cot"), ("婴儿床",)),
    (("baby walker",), ("学步车",)),
    (("high chair",), ("儿童餐椅",)),
    (("toy", "toys"), ("玩具",)),
    (("lego", "building blocks"), ("积木",)),
    (("baby bottle",), ("奶瓶",)),
    (("car seat", "child seat"), ("儿童座椅", "安全座椅")),
    (("picture book",), ("绘本",)),
    # tools
    (("drill", "power drill"), ("电钻", "冲击钻")),
    (("wrench", "spanner"), ("扳手",)),
    (("screwdriver",), ("螺丝刀",)),
    (("saw",), ("电锯", "锯子")),
    (("toolbox",), ("工具箱",)),
    (("tape measure",), ("卷尺",)),
    (("hammer",), ("锤子",)),
    (("pliers",), ("钳子", "老虎钳")),
    (("tools",), ("工具",)),
    # electronics
    (("radio",), ("收音机",)),
    (("phone", "mobile phone", "smartphone", "cellphone"), ("手机",)),
    (("tablet", "ipad"), ("平板电脑",)),
    (("laptop", "notebook computer"), ("笔记本电脑",)),
    (("computer",), ("电脑",)),
    (("router",), ("路由器",)),
    (("speaker",), ("音箱", "音响")),
    (("tv", "television"), ("电视机", "电视")),
    (("power bank",), ("充电宝",)),
    (("charger",), ("充电器",)),
    (("headphones", "earphones"), ("耳机",)),
    (("monitor", "screen"), ("显示器",)),
    (("keyboard",), ("键盘",)),
    (("mouse",), ("鼠标",)),
    (("projector",), ("投影仪",)),
    (("printer",), ("打印机",)),
    (("camera",), ("相机", "照相机")),
    (("game console",), ("游戏机",)),
    # books and learning
    (("book", "books"), ("图书", "书籍")),
    (("textbook", "textbooks"), ("课本", "教材")),
    (("dictionary",), ("字典", "词典")),
    (("novel", "novels"), ("小说",)),
    (("comic", "comics"), ("漫画", "漫画书")),
    (("schoolbag", "backpack"), ("书包",)),
    (("stationery",), ("文具",)),
    (("globe",), ("地球仪",)),
    (("english",), ("英语",)),
    (("maths", "math", "mathematics"), ("数学",)),
    (("homework",), ("作业",)),
    (("tutoring", "tutor"), ("辅导", "家教")),
    (("calligraphy",), ("书法",)),
    (("conversation", "speaking"), ("口语",)),
    (("piano",), ("钢琴",)),
    (("guitar",), ("吉他",)),
    (("programming", "coding"), ("编程",)),
    # clothing
    (("coat", "jacket"), ("外套", "棉衣")),
    (("down jacket",), ("羽绒服",)),
    (("sweater", "jumper"), ("毛衣",)),
    (("raincoat",), ("雨衣",)),
    (("shoes", "trainers", "sneakers"), ("鞋子", "运动鞋")),
    (("scarf",), ("围巾",)),
    (("gloves",), ("手套",)),
    (("clothes", "clothing"), ("衣服",)),
    # health and elderly care
    (("thermometer",), ("体温计",)),
    (("blood pressure monitor", "blood pressure"), ("血压计",)),
    (("massager",), ("按摩器",)),
    (("mask", "masks"), ("口罩",)),
    (("wheelchair",), ("轮椅",)),
    (("walking stick", "cane"), ("拐杖",)),
    (("reading glasses",), ("老花镜",)),
    (("hearing aid",), ("助听器",)),
    (("elderly", "old people", "senior"), ("老人",)),
    (("doctor", "hospital"), ("看病", "医院")),
    (("medicine",), ("药品",)),
    # sports and leisure
    (("yoga mat",), ("瑜伽垫",)),
    (("badminton",), ("羽毛球",)),
    (("basketball",), ("篮球",)),
    (("football", "soccer"), ("足球",)),
    (("table tennis", "ping pong"), ("乒乓球",)),
    (("skipping rope", "jump rope"), ("跳绳",)),
    (("dumbbell", "dumbbells"), ("哑铃",)),
    (("skateboard",), ("滑板",)),
    (("kite",), ("风筝",)),
    (("fishing rod",), ("鱼竿",)),
    (("tent",), ("帐篷",)),
    (("camping",), ("露营",)),
    (("chess",), ("象棋",)),
    (("tai chi",), ("太极拳", "太极")),
    (("dance", "dancing"), ("跳舞", "广场舞")),
    # transport
    (("bike", "bicycle"), ("自行车", "单车")),
    (("e-bike", "electric bike", "scooter"), ("电动车",)),
    (("helmet",), ("头盔",)),
    (("pump", "bike pump"), ("打气筒",)),
    (("ride", "car pool", "carpool"), ("顺风车", "搭车")),
    (("moving", "move house"), ("搬家",)),
    (("delivery", "parcel"), ("快递",)),
    # food
    (("rice",), ("大米",)),
    (("eggs", "egg"), ("鸡蛋",)),
    (("vegetables",), ("蔬菜",)),
    (("fruit",), ("水果",)),
    (("potato", "potatoes"), ("土豆",)),
    (("sweet potato",), ("红薯",)),
    (("apple", "apples"), ("苹果",)),
    (("cabbage",), ("白菜", "大白菜")),
    (("cooking oil", "oil"), ("食用油", "花生油")),
    (("milk",), ("牛奶",)),
    (("noodles",), ("面条", "挂面")),
    (("flour",), ("面粉",)),
    (("mooncake", "mooncakes"), ("月饼",)),
    # services and skills
    (("repair", "fix", "mend"), ("维修", "修理")),
    (("haircut", "hairdressing", "barber"), ("理发", "剪发")),
    (("cooking", "cook"), ("做饭", "烹饪")),
    (("cleaning", "clean"), ("打扫", "保洁")),
    (("babysitting", "childcare"), ("带孩子", "看孩子")),
    (("cat",), ("猫",)),
    (("dog",), ("狗",)),
    (("pet", "pets"), ("宠物",)),
    (("pet sitting", "cat sitting"), ("喂猫", "照看宠物")),
    (("dog walking",), ("遛狗",)),
    (("plumbing", "plumber", "pipe", "leak"), ("水管", "漏水")),
    (("lock", "locksmith"), ("门锁", "开锁")),
    (("light bulb", "bulb"), ("灯泡",)),
    (("puncture", "tyre", "tire"), ("补胎",)),
    (("free",), ("免费",)),
    (("lend", "borrow", "loan"), ("出借", "借用")),
)


@functools.cache
def _translations() -> dict[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """Analysed entries both ways: a key of up to three terms to the term groups it stands for."""
    found: dict[tuple[str, ...], list[tuple[str, ...]]] = {}

    def analysed(text: str) -> tuple[str, ...]:
        return tuple(whole_words(word_terms(text)))

    for english, chinese in ENTRIES:
        english_keys = [key for key in map(analysed, english) if key]
        chinese_keys = [key for key in map(analysed, chinese) if key]
        for key in english_keys:
            found.setdefault(key, []).extend(chinese_keys)
        for key in chinese_keys:
            found.setdefault(key, []).extend(english_keys)
    return {key: tuple(dict.fromkeys(groups)) for key, groups in found.items()}


LONGEST_PHRASE = 3


@functools.cache
def _english_words() -> tuple[str, ...]:
    return tuple(sorted(key[0] for key in _translations() if len(key) == 1 and key[0].isascii()))


@functools.lru_cache(maxsize=4096)
def _closest_english_word(word: str) -> str | None:
    """The glossary word a misspelt one stands for, by the query's fuzzy rule: five letters or
    more, the same first letter, one edit away (two from eight letters on), the closest if
    several are."""
    if len(word) < MIN_FUZZY_LENGTH or not word.isascii() or not word.isalpha():
        return None
    limit = 1 if len(word) < 8 else 2
    candidates = [
        (levenshtein(word, known, limit + 1), known)
        for known in _english_words()
        if known[0] == word[0] and abs(len(known) - len(word)) <= limit
    ]
    close = [candidate for candidate in candidates if candidate[0] <= limit]
    return min(close)[1] if close else None


def translations(words: Sequence[str]) -> list[tuple[str, ...]]:
    """The term groups, in the other language, of the query words (analysed, in order): a phrase
    the glossary knows is translated whole, the longest first, and its words are not translated
    again; an English word the glossary lacks is translated as the glossary word it misspells."""
    table = _translations()
    groups: list[tuple[str, ...]] = []
    position = 0
    while position < len(words):
        for length in range(LONGEST_PHRASE, 0, -1):
            phrase = tuple(words[position : position + length])
            if len(phrase) == length and phrase in table:
                groups.extend(table[phrase])
                position += length
                break
        else:
            closest = _closest_english_word(words[position])
            if closest is not None:
                groups.extend(table[(closest,)])
            position += 1
    return list(dict.fromkeys(groups))
