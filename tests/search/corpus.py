"""A fixed corpus of listings around the Qingxi square and the queries judged against it.

The relevance tests build it with factories; ``bench/search.py`` bulk-inserts the same listings
among its synthetic ones and measures recall@10 on the same judged queries. Data only: nothing
here touches the database.

Each listing is two or more lines in ``_LISTINGS``::

    key | side kind category [give|lend] [state] | title | tag, tag | place
        description (continuation lines are joined)

``state`` is ``public`` unless given: ``pending``, ``rejected``, ``hidden`` (never approved or
taken down by moderation), ``withdrawn``, ``expired``, ``closed`` (not public any more) or
``reserved`` (fully reserved: still public, but nothing left to claim).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# (key, kind, name, parent key)
PLACES: tuple[tuple[str, str, str, str | None], ...] = (
    ("diaozhuang", "subdistrict", "雕庄街道", None),
    ("qingxi", "community", "清溪村", "diaozhuang"),
    ("grid1", "grid", "清溪村第一网格", "qingxi"),
    ("square", "space", "清溪村健康广场", "grid1"),
    ("market_zone", "zone", "共享集市区", "square"),
    ("kids_zone", "zone", "儿童游乐区", "square"),
    ("grid2", "grid", "清溪村第二网格", "qingxi"),
    ("hall", "space", "村委会活动室", "grid2"),
    ("yangjia", "community", "杨家埠社区", "diaozhuang"),
    ("yj_grid", "grid", "杨家埠第一网格", "yangjia"),
    ("yj_market", "space", "杨家埠农贸市场", "yj_grid"),
)

# state -> (status, moderation)
STATES: dict[str, tuple[str, str]] = {
    "public": ("open", "approved"),
    "reserved": ("fully_reserved", "approved"),
    "pending": ("open", "pending"),
    "rejected": ("open", "rejected"),
    "hidden": ("open", "hidden"),
    "withdrawn": ("withdrawn", "approved"),
    "expired": ("expired", "approved"),
    "closed": ("closed", "approved"),
}
PUBLIC_STATES = frozenset({"public", "reserved"})

_LISTINGS = """
rice_cooker | offer item household | 美的电饭煲 九成新 | 电饭煲, 厨房 | market_zone
    4升容量，搬家用不上了，功能正常，内胆没有划痕，送量杯和饭勺。
rice_cooker_request | request item household | 求一个二手电饭煲 | 电饭煲 | grid2
    刚搬来清溪村租房，想找个能用的小电饭煲，两三个人用就行。
microwave | offer item household | 格兰仕微波炉免费送 | 微波炉, 厨房电器 | hall
    用了三年，加热正常，门把手有点松，自取。
ladder_lend | offer item tools lend | 铝合金人字梯出借 | 梯子, 人字梯 | square
    五步铝合金折叠梯，换灯泡、贴春联都用得上，借用请当天归还。
ladder_request | request item tools | 求借一把长梯子 | 梯子 | yj_grid
    周六要清理屋檐的落叶，需要三米以上的梯子，用半天。
vacuum | offer item household lend | 戴森吸尘器可借用 | 吸尘器, 清洁 | grid1
    无线手持吸尘器，充满电能用四十分钟，大扫除时可以借去用。
drying_rack | offer item household | 落地晾衣架 | 晾衣架 | grid2
    不锈钢折叠晾衣架，可以放阳台，九成新。
folding_table | offer item household lend | 折叠桌椅一套可借 | 折叠桌, 椅子, 办酒席 | hall
    一张折叠长桌配六把椅子，家里办酒席或者聚会可以借。
sofa | offer item household | 布艺三人沙发送人 | 沙发, 家具 | yj_market
    换了新沙发，旧的还很结实，需要自己找车来搬。
fan | offer item household | 落地电风扇 | 电风扇, 夏天 | market_zone
    艾美特落地扇，三档风速带遥控，夏天好用。
heater | offer item household | 小太阳取暖器 | 取暖器, 冬天 | grid1
    冬天烤脚用，功率可调，有倾倒断电保护。
humidifier | offer item household | 加湿器 全新未拆 | 加湿器 | grid2
    单位年会抽奖得的，家里已经有一台，全新未拆封。
sewing_machine | offer item household lend | 蝴蝶牌缝纫机出借 | 缝纫机, 针线 | hall
    老式脚踏缝纫机，保养得好，改裤脚缝窗帘都行，可以上门教用法。
steamer_iron | offer item household | 蒸汽挂烫机 | 挂烫机, 熨斗 | square
    立式挂烫机，熨衬衫很方便，水箱有一点水垢。
flower_pots | offer item household | 陶瓷花盆十几个 | 花盆, 养花 | yj_grid
    大小都有，搬家带不走，喜欢养花的邻居来挑。
umbrellas | offer item household lend | 共享雨伞 放在村委会 | 雨伞, 共享 | hall
    村委会门口放了十把雨伞，下雨天随手借，用完放回原处。
suitcase | offer item household lend | 28寸行李箱出借 | 行李箱, 旅行 | grid1
    万向轮拉杆箱，出远门可以借，请爱护使用。
mattress | offer item household | 席梦思床垫 1.5米 | 床垫 | yj_market
    七成新，没有塌陷，需要自己搬走。
curtains | offer item household | 遮光窗帘两幅 | 窗帘 | grid2
    米色遮光布，宽两米高二米五，挂钩齐全。
desk_lamp | offer item household | LED护眼台灯 | 台灯, LED, 学习 | market_zone
    三档调光，孩子写作业用，USB充电。
chairs | offer item household | 塑料凳子十个 | 凳子 | hall
    红色塑料凳，摆酒席剩下的，可以叠起来放。
kettle | offer item household | 电热水壶 | 水壶 | grid1
    一点五升，不锈钢内胆，烧水快。
fridge | offer item household | 小冰箱 宿舍用 | 冰箱 | yj_grid
    单门小冰箱，放饮料和水果正好。
washing_machine | offer item household | 半自动洗衣机 | 洗衣机 | grid2
    双缸洗衣机，能洗能甩干，适合租房用。
stroller | offer item baby_kids | 好孩子婴儿车 九成新 | 婴儿车, 推车, 母婴 | kids_zone
    可坐可躺，能折叠上高铁，孩子大了用不上，送给有需要的家庭。
stroller_request | request item baby_kids | 求购二手婴儿推车 | 婴儿车 | grid2
    宝宝三个月，想找一辆轻便的推车，旧一点没关系。
stroller_en | offer item baby_kids lend | Baby stroller to lend | stroller, baby | kids_zone
    Lightweight stroller that folds with one hand. Happy to lend it for a few weeks.
car_seat | offer item baby_kids lend | 儿童安全座椅出借 | 安全座椅, 汽车 | grid1
    适合九个月到四岁，ISOFIX接口，回老家过年可以借。
crib | offer item baby_kids | 实木婴儿床 | 婴儿床 | yj_grid
    带蚊帐和床围，床板可以调高低。
baby_walker | offer item baby_kids | 宝宝学步车 | 学步车 | kids_zone
    防侧翻，可以调高度，带音乐。
kids_bike | offer item baby_kids | 儿童自行车 带辅助轮 | 儿童自行车, 辅助轮 | kids_zone
    十六寸，适合四到七岁，刹车灵敏。
formula | offer item baby_kids | 未开封奶粉两罐 | 奶粉 | grid2
    一段奶粉，宝宝转奶剩下的，保质期到明年六月。
diapers | offer item baby_kids | 尿不湿 L码 一包半 | 尿不湿, 纸尿裤 | grid1
    宝宝长得快，L码穿不下了。
kids_clothes | offer item clothing | 童装一大袋 90到110码 | 童装, 衣服 | kids_zone
    春秋装为主，洗干净晒过了。
picture_books | offer item books_education | 儿童绘本三十本 | 绘本, 亲子阅读 | kids_zone
    小猪佩奇、猜猜我有多爱你等，适合三到六岁。
lego | offer item baby_kids lend | 乐高积木一箱 | 乐高, 积木, 玩具 | kids_zone
    城市系列，零件基本齐全，可以借给孩子玩一个月。
scooter | offer item baby_kids | 儿童滑板车 | 滑板车 | square
    三轮闪光轮，可折叠。
rocking_horse | offer item baby_kids | 摇摇马 | 玩具 | grid2
    木头摇摇马，孩子两岁前最爱。
breast_pump | offer item baby_kids | 电动吸奶器 | 吸奶器, 哺乳 | yj_grid
    双边电动，配件已经消毒。
baby_carrier | offer item baby_kids lend | 婴儿背带腰凳 | 背带 | grid1
    前抱后背都可以，透气网面。
crayons | offer item baby_kids | 水彩笔蜡笔一盒 | 画画, 蜡笔 | kids_zone
    三十六色水彩笔和蜡笔，几乎没用过。
babysit_request | request skill baby_kids | 周末找人帮忙照看孩子两小时 | 看孩子, 托管 | grid1
    周六下午要去医院，想请邻居帮忙看一下五岁的儿子。
after_school | offer skill tutoring | 小学生放学托管 写作业辅导 | 托管, 作业 | hall
    下午四点半到六点在活动室，看着孩子写完作业。
wheelchair_lend | offer item elderly_care lend | 轮椅免费出借 | 轮椅, 助老 | hall
    折叠轮椅，带刹车，术后康复或者带老人出门都能用，借期一个月。
wheelchair_request | request item elderly_care | 急求借用轮椅 | 轮椅 | yj_grid
    父亲腿摔伤了，需要借用轮椅两周左右。
walking_frame | offer item elderly_care | 老人助行器 | 助行器, 助老 | grid2
    铝合金四脚助行器，可以折叠。
cane | offer item elderly_care | 四脚拐杖 | 拐杖 | square
    防滑底座，高度可调。
hospital_escort | offer skill elderly_care | 陪老人去医院看病 | 陪诊, 助老 | hall
    退休护士，可以陪行动不便的老人去镇卫生院挂号、取药。
elderly_chat | offer skill elderly_care | 陪独居老人聊天读报 | 陪伴, 独居老人 | grid1
    每周二下午有空，可以上门陪老人说说话。
nail_trim | offer skill elderly_care | 上门给老人剪指甲 | 剪指甲, 上门服务 | grid2
    有专用的指甲钳和锉刀，手稳。
grocery_help | offer skill elderly_care | 帮老人代买菜 | 代买, 买菜 | yj_market
    每天早上去农贸市场，可以顺便帮腿脚不便的老人带菜。
nursing_bed | offer item elderly_care | 家用护理床 手摇 | 护理床 | yj_grid
    双摇护理床，带床垫和护栏，老人用过半年。
reading_glasses | offer donation elderly_care | 眼镜店捐赠老花镜 | 老花镜 | market_zone
    清溪眼镜店捐赠老花镜五十副，一百度到三百度，老人可以来试戴领取。
walk_request | request skill elderly_care | 找志愿者每周陪奶奶散步 | 陪伴, 散步 | square
    奶奶八十岁，想有人每周陪她在广场走走。
smartphone_class | offer skill elderly_care | 教老人用智能手机 | 智能手机, 微信, 老人 | hall
    教会老人用微信视频、扫码付款、网上挂号。
drill_lend | offer item tools lend | 博世电钻出借 | 电钻, 冲击钻, 工具 | market_zone
    家用冲击钻，可以打墙孔装窗帘杆，附一套钻头，借用三天内归还。
drill_request | request item tools | 借电钻用一下 | 电钻 | grid2
    想在墙上装个置物架，需要打四个孔，半小时就还。
drill_bits | offer item tools | 钻头套装 | 钻头 | yj_grid
    麻花钻头和水泥钻头都有，多买了一套。
wrench_set | offer item tools lend | 扳手套筒工具箱 | 扳手, 工具箱 | grid1
    四十件套筒扳手，修车修家具都用得上。
hand_cart | offer item tools lend | 手推车 搬货用 | 手推车, 搬家 | yj_market
    折叠平板手推车，能拉一百公斤。
saw | offer item tools lend | 园艺锯和剪枝剪 | 锯子, 剪枝, 园艺 | grid2
    修果树用的，刀口刚磨过。
lawn_mower | offer item tools lend | 割草机出借 | 割草机, 院子 | yj_grid
    手推式汽油割草机，油自备。
pump | offer item tools | 打气筒 | 打气筒, 自行车 | square
    脚踩打气筒，自行车电动车篮球都能打。
screwdriver | offer item tools lend | 电动螺丝刀 | 螺丝刀, 装家具 | grid1
    充电式，装宜家家具很快。
multimeter | offer item tools lend | 数字万用表 | 万用表, 电工 | hall
    可以测电压电流和通断。
power_drill_en | offer item tools lend | Power drill and bits to lend | drill, tools | square
    Cordless power drill with two batteries and a set of bits. Borrow it for a weekend.
tile_cutter | offer item tools lend | 瓷砖切割机 | 切割机, 装修 | yj_grid
    手动推刀式，切六十公分以内的瓷砖。
paint | offer item tools | 剩余乳胶漆半桶 | 油漆, 刷墙 | yj_grid
    白色乳胶漆，刷一个小房间够用。
ladder_en | offer item tools lend | Extension ladder to borrow | ladder | square
    Aluminium extension ladder, reaches the gutter of a two-storey house.
laptop | offer item electronics | 联想笔记本电脑 送学生 | 笔记本电脑, 学习 | hall
    i5处理器8G内存，上网课写作业够用，优先给上学的孩子。
laptop_en | offer item electronics | Old laptop for a student | laptop, computer | square
    ThinkPad with a new battery, fine for homework and online classes.
phones | offer item electronics | 旧手机两部 | 手机, 备用机 | grid2
    华为和小米各一部，能正常打电话，给老人当备用机。
tablet | offer item electronics | iPad平板 可看网课 | 平板, iPad | grid1
    屏幕没有划痕，带保护套。
router | offer item electronics | 无线路由器 | 路由器, wifi | yj_grid
    换了千兆的，旧的还能用。
power_bank | offer item electronics | 充电宝 两万毫安 | 充电宝 | market_zone
    出门带着方便，能充三次手机。
printer | offer item electronics lend | 惠普打印机 可借用 | 打印机 | hall
    黑白激光打印机，打印作业和资料都行。
projector | offer item electronics lend | 投影仪出借 看电影 | 投影仪, 露天电影 | square
    夏天晚上在广场放露天电影用过，亮度够。
speaker | offer item electronics lend | 广场舞音箱出借 | 音箱, 广场舞 | square
    带拉杆和无线话筒的户外音箱，电池能用五小时。
tv | offer item electronics | 42寸液晶电视 | 电视机 | yj_market
    能看有线电视，遥控器有。
headphones | offer item electronics | 蓝牙耳机 | 耳机, 蓝牙 | grid2
    续航六小时，送充电盒。
camera | offer item electronics lend | 佳能单反相机出借 | 相机, 摄影 | grid1
    带一个标准镜头，拍婚礼和活动可以借。
kindle | offer item electronics | Kindle电子书阅读器 | Kindle, 电子书 | hall
    第十代，里面有几十本小说。
switch | offer item electronics lend | 任天堂Switch游戏机 | Switch, 游戏机 | kids_zone
    带马里奥赛车和健身环，周末可以借给孩子玩。
iphone_charger | offer item electronics | iPhone 充电器和数据线 | 充电器, iPhone, 数据线 | grid2
    原装二十瓦快充头，一米数据线。
usb_fan | offer item electronics | USB 小风扇 | 风扇, USB | market_zone
    桌面小风扇，接电脑或者充电宝就能用。
phone_request | request item electronics | 求一部旧手机给老人用 | 手机, 老人机 | yj_grid
    字大声音大的最好，能打电话就行。
printer_3d | offer skill other | 3D打印 帮忙打印小零件 | 3D打印 | hall
    家里有一台3D打印机，可以帮忙打印卡扣、挂钩等小零件。
gaokao_books | offer item books_education | 高考复习资料 全套 | 高考, 复习资料, 教辅 | grid1
    数学物理化学的五三和错题本，今年考完了，送给学弟学妹。
primary_books | offer item books_education | 小学三年级教辅 | 教辅, 小学 | grid2
    人教版语文数学练习册，没写过。
dictionary | offer item books_education | 牛津英汉词典 | 词典, 英语 | hall
    第九版，书皮有点旧。
novels | offer item books_education | 金庸武侠小说全集 | 小说, 武侠 | yj_grid
    三联版三十六册，想找个爱看书的人。
copybooks | offer item books_education | 钢笔字帖 | 字帖, 练字 | hall
    楷书字帖五本，没有写过。
kaoyan | offer item books_education | 考研政治英语资料 | 考研 | grid1
    去年的真题和讲义，笔记很全。
books_request | request item books_education | 求初中语文课外书 | 课外书, 初中 | grid2
    孩子上初一，想找些名著读一读。
english_books_en | offer item books_education | English picture books for kids | books, english, kids | kids_zone
    Twenty English picture books, good for children learning to read.
cookbooks | offer item books_education | 家常菜谱书 | 菜谱, 做饭 | market_zone
    川菜粤菜家常菜都有，图很多。
notebooks | offer donation books_education | 文具店捐赠作业本 | 作业本, 文具 | market_zone
    清溪文具店捐赠作业本两百本，小学生每人限领五本。
down_jacket | offer item clothing | 男士羽绒服 XL | 羽绒服, 冬装 | grid1
    黑色长款，穿过一个冬天。
school_uniform | offer item clothing | 清溪小学校服 | 校服 | grid2
    一百三和一百四的各两套，洗干净了。
wedding_dress | offer item clothing lend | 婚纱出借 | 婚纱, 结婚 | yj_market
    白色拖尾婚纱，腰围可以调，拍婚纱照也行。
qipao | offer item clothing lend | 旗袍 演出用 | 旗袍, 演出 | hall
    红色绣花旗袍三件，村里文艺演出可以借。
rain_boots | offer item clothing | 雨靴 | 雨鞋, 雨靴 | square
    四十码，下地干活穿。
work_clothes | offer item clothing | 工地工作服 | 工作服 | yj_grid
    耐磨的帆布工作服三套。
winter_donation | offer donation clothing | 冬衣捐赠 棉衣棉被 | 棉衣, 棉被, 冬天 | hall
    服装店捐赠棉衣和棉被，独居老人和困难家庭优先领取。
coat_request | request item clothing | 求冬天的厚外套 | 外套, 冬装 | yj_grid
    一米七左右的男士穿，旧的也行。
sweaters | offer item clothing | 手织毛衣 | 毛衣 | grid2
    妈妈织的毛衣，有大人的也有小孩的。
rice_donation | offer donation food | 爱心大米 每户限领两袋 | 大米, 粮油 | market_zone
    清溪超市捐赠东北大米一百袋，每袋五公斤，凭身份证领取。
oil_donation | offer donation food | 食用油捐赠 | 食用油, 粮油 | market_zone
    花生油五升装，每户一桶。
flour | offer donation food | 面粉捐赠 | 面粉 | yj_market
    杨家埠面粉厂捐赠，二十五公斤一袋，可以分装。
eggs | offer item food | 自家土鸡蛋 | 鸡蛋, 土鸡蛋 | yj_grid
    散养鸡下的蛋，每周有三十个左右，可以换点别的东西。
vegetables | offer item food | 自家菜园青菜 | 青菜, 蔬菜 | grid2
    菜园里的小白菜和菠菜吃不完，来摘就行。
persimmons | offer item food | 院子里的柿子熟了 | 柿子, 水果 | grid1
    树上结了很多，自己来摘。
bread | offer donation food | 面包店当天剩余面包 | 面包 | market_zone
    每天晚上八点后，幸福面包房把当天没卖完的面包免费送出。
mooncakes | offer item food | 月饼两盒 | 月饼, 中秋 | hall
    单位发的，没拆封，家里不爱吃甜的。
preserved_pork | offer item food | 自家腊肉 | 腊肉 | yj_grid
    今年冬天熏的，送几块给邻居尝尝。
sourdough_en | offer item food | Homemade sourdough bread | bread, baking | square
    I bake every Saturday and always have a loaf to spare.
rice_wine_request | request item food | 求一点酒酿 | 酒酿 | grid2
    想做米酒，需要一点酒曲或者酒酿。
milk_donation | offer donation food | 临期牛奶捐赠 | 牛奶 | market_zone
    超市临期纯牛奶二十箱，保质期还有两周。
bp_monitor | offer item health lend | 欧姆龙电子血压计 | 血压计, 量血压 | hall
    上臂式，村里老人可以来借，也可以来活动室免费量。
glucose_meter | offer item health | 血糖仪和试纸 | 血糖仪 | grid1
    试纸还有五十片，没过期。
thermometer | offer item health | 额温枪 | 体温计, 额温枪 | grid2
    测体温一秒出结果。
masks | offer donation health | 口罩捐赠 | 口罩 | market_zone
    药店捐赠医用口罩一千个，每人限领二十个。
moxibustion | offer skill health | 艾灸体验 | 艾灸, 养生 | hall
    中医馆退休大夫，教大家在家做艾灸。
massage_chair | offer item health lend | 按摩椅 | 按摩 | yj_grid
    全身按摩椅，太重不方便搬，可以来家里用。
health_talk | offer skill health | 高血压饮食健康讲座 | 健康讲座, 高血压 | square
    卫生院医生在广场健康科普区讲怎么吃得少盐少油。
first_aid | offer skill health | 急救培训 心肺复苏 | 急救, 心肺复苏 | hall
    红十字会志愿者，教心肺复苏和海姆立克急救法。
bp_request | request item health | 想借血压计测一周 | 血压计 | yj_grid
    医生让在家每天量血压，想借一台用一周。
bike_repair | offer skill repair | 修自行车 补胎换链条 | 修车, 自行车, 补胎 | square
    退休钳工，周末在广场东侧修自行车，只收零件钱。
bike_repair_en | offer skill repair | Bike repair lessons | bicycle, repair, lessons | square
    Learn to fix a flat tyre, adjust your brakes and oil the chain. Saturday mornings.
phone_repair | offer skill repair | 手机维修 换屏换电池 | 手机维修, 换屏 | market_zone
    在镇上开过手机店，换屏幕、换电池、刷系统都会，配件按进价。
computer_repair | offer skill repair | 电脑维修 重装系统 | 电脑维修, 重装系统 | hall
    电脑开不了机、中病毒、装软件都可以找我。
appliance_repair | offer skill repair | 家电维修 洗衣机 冰箱 空调 | 家电维修, 洗衣机, 空调 | yj_grid
    干了二十年家电维修，上门看，只收配件钱。
plumbing | offer skill repair | 修水管 通下水道 | 水管, 下水道 | grid2
    水龙头漏水、马桶堵了、下水道不通都能修。
electrician | offer skill repair | 电工 换插座 装灯 | 电工, 插座, 灯 | grid1
    持证电工，换插座开关、装吊灯。
shoe_repair | offer skill repair | 修鞋 补鞋 | 修鞋 | yj_market
    农贸市场门口的老鞋匠，换鞋跟、补皮鞋。
umbrella_repair | offer skill repair | 修雨伞 | 修伞 | yj_market
    伞骨断了可以换，顺便修拉链。
ebike_repair | offer skill repair | 电动车维修 换电瓶 | 电动车, 电瓶 | yj_grid
    电动车不充电、刹车不灵都可以来看看。
aircon_cleaning | offer skill repair | 空调清洗 | 空调, 清洗 | grid1
    夏天前清洗空调滤网和室外机，自带工具。
furniture_repair | offer skill repair | 木工 修桌椅 | 木工, 家具 | yj_grid
    桌腿松了、柜门掉了都能修。
sewing_repair | offer skill repair | 改衣服 缝补 | 缝补, 改裤脚 | hall
    裤脚改短、换拉链、补破洞。
plumbing_request | request skill repair | 厨房水管漏水 求师傅 | 水管, 漏水 | grid1
    水槽下面的水管一直滴水，想请懂行的邻居看看。
washer_request | request skill repair | 洗衣机不脱水 找人看看 | 洗衣机, 维修 | grid2
    滚筒洗衣机洗完不脱水，显示故障码。
water_heater_request | request skill repair | 热水器不出热水 | 热水器, 维修 | hall
    燃气热水器点不着火，求会修的师傅。
tailor_request | request skill repair | 裤子太长 求改裤脚 | 改裤脚 | grid1
    两条西裤要改短三公分。
math_tutor | offer skill tutoring | 初中数学辅导 | 数学, 辅导, 初中 | hall
    师范大学在读，暑假在村里，可以辅导初中数学，每周两次。
math_request | request skill tutoring | 求小学数学家教 | 数学, 家教 | grid2
    孩子四年级，应用题总是做不对。
english_tutor_en | offer skill tutoring | English conversation practice | english, speaking | hall
    Native speaker offering relaxed conversation practice for teenagers and adults.
english_tutor | offer skill tutoring | 英语口语陪练 | 英语, 口语 | grid1
    英语专业毕业，陪初高中学生练口语。
composition | offer skill tutoring | 作文辅导 | 作文, 语文 | hall
    退休语文老师，帮孩子改作文。
piano_lessons | offer skill tutoring | 钢琴启蒙课 | 钢琴, 音乐 | hall
    十年琴龄，可以教五岁以上的孩子认谱和指法，村委会活动室有琴。
calligraphy | offer skill tutoring | 毛笔书法课 | 书法, 毛笔字 | hall
    周日上午教毛笔字，笔墨纸砚自备。
coding | offer skill tutoring | 少儿编程 Python入门 | 编程, Python | grid1
    软件工程师，周末教十岁以上孩子写Python小游戏。
physics | offer skill tutoring | 高中物理答疑 | 物理, 高中 | grid1
    物理系研究生，可以线上答疑。
piano_request | request skill tutoring | 孩子想学钢琴 找老师 | 钢琴 | yj_grid
    女儿六岁，家里有电子琴，想找老师入门。
haircut | offer skill beauty | 义务理发 老人免费 | 理发, 剪头发 | square
    每月第一个周日上午在广场义务理发，老人和残疾人优先。
haircut_home | offer skill beauty | 上门理发 | 理发, 上门 | yj_grid
    行动不便的老人可以约上门理发。
manicure | offer skill beauty | 美甲 | 美甲 | market_zone
    做过两年美甲师，可以帮姐妹们做简单款式。
makeup | offer skill beauty | 新娘化妆 | 化妆, 婚礼 | yj_market
    村里办喜事可以找我化新娘妆。
haircut_request | request skill beauty | 卧床老人需要上门剪头发 | 理发, 上门 | grid2
    爷爷卧床，想请人上门给他剪个头发。
carpool_county | offer skill transport | 每天早上顺风车去县城 | 顺风车, 拼车, 县城 | grid1
    早上七点半出发到县城汽车站，可以捎两个人，分摊油费。
carpool_request | request skill transport | 找周五去市里的顺风车 | 顺风车 | yj_grid
    周五下午去市里看病，想搭个车。
ebike_lend | offer item transport lend | 电动车借用 | 电动车 | grid2
    新国标电动车，充满能跑四十公里。
tricycle | offer item transport lend | 三轮车出借 拉货 | 三轮车, 拉货 | yj_market
    电动三轮，赶集拉货都行。
school_run | offer skill transport | 接送孩子上下学 | 接送, 上学 | kids_zone
    我每天接自己孩子，可以顺路带一两个。
bicycle | offer item transport | 二手自行车 | 自行车 | square
    二十六寸山地车，变速正常。
bicycle_request | request item transport | 求一辆二手自行车上班骑 | 自行车 | grid1
    到镇上上班，骑车二十分钟，想要辆旧车。
bike_lock | offer item transport | 自行车锁 | 锁 | square
    U型锁，两把钥匙。
helmet | offer item transport | 电动车头盔 | 头盔, 电动车 | yj_market
    全新头盔两个，买多了。
moving_help | offer skill other | 搬家帮手 有小货车 | 搬家, 货车 | yj_grid
    周末有空，小货车能拉一个房间的东西。
badminton | offer item sports_leisure | 羽毛球拍一对 | 羽毛球, 球拍 | square
    送一筒球。
pingpong_table | offer item sports_leisure | 乒乓球台 共享 | 乒乓球 | hall
    活动室的乒乓球台，大家可以来打。
pingpong_partner | request skill sports_leisure | 找乒乓球球友 | 乒乓球, 球友 | hall
    每周三晚上想打一个小时球。
basketball | offer item sports_leisure | 篮球 | 篮球 | square
    七号球，气足。
square_dance | offer skill sports_leisure | 广场舞教学 | 广场舞, 跳舞 | square
    每晚七点在健康广场，零基础也能跟上。
taichi | offer skill sports_leisure | 太极拳晨练 | 太极拳, 晨练 | square
    每天早上六点半，教二十四式太极拳。
fishing | offer item sports_leisure lend | 钓鱼竿出借 | 钓鱼, 鱼竿 | yj_grid
    碳素手竿两根，附浮漂和鱼钩。
tent | offer item sports_leisure lend | 帐篷 露营 | 帐篷, 露营 | grid1
    三到四人帐篷，防雨。
tent_en | offer item sports_leisure lend | Camping tent for four | tent, camping | square
    Waterproof four-person tent with a groundsheet, good for a weekend by the river.
chess | offer item sports_leisure | 象棋和围棋 | 象棋, 棋盘 | hall
    木头棋盘和棋子，活动室里放着。
go_lessons | offer skill sports_leisure | 教下围棋 | 围棋, 下棋 | square
    业余五段，教孩子入门。
guitar | offer item sports_leisure lend | 民谣吉他出借 | 吉他, 乐器 | grid2
    四十一寸民谣吉他，适合初学。
guitar_en | offer item sports_leisure | Acoustic guitar, needs new strings | guitar, music | square
    Solid top acoustic guitar. It only needs a new set of strings.
erhu | offer skill sports_leisure | 教拉二胡 | 二胡, 乐器 | hall
    拉了三十年二胡，老年大学教过。
jump_rope | offer item sports_leisure | 跳绳 | 跳绳 | kids_zone
    计数跳绳三根。
board_games_en | offer skill sports_leisure | Board games night | games, boardgames | hall
    Friday evenings in the village hall: Catan, Uno and chess. Everyone welcome.
yoga_mat | offer item sports_leisure | 瑜伽垫 | 瑜伽, 健身 | square
    十毫米加厚，送收纳袋。
fitness_class | offer skill sports_leisure | 健身操 | 健身 | square
    周二周四晚上带大家跳健身操。
cat_sitting | offer skill other | 帮忙喂猫 | 猫, 宠物, 上门喂猫 | grid1
    出远门的邻居，我可以每天上门喂猫铲屎。
cat_sitting_en | offer skill other | Cat sitting while you travel | cats, pets | square
    I will feed your cats and clean the litter every day while you are away.
dog_walk | offer skill other | 遛狗 | 狗, 宠物 | grid2
    每天傍晚遛自家狗，可以顺便带上你的。
cat_food | offer item other | 猫粮半袋 | 猫粮 | yj_grid
    家里猫不爱吃这个牌子。
kittens | offer item other | 小猫找领养 | 小猫, 领养 | grid2
    三只两个月大的小猫，已经会用猫砂。
parcel | offer skill other | 代收快递 | 快递, 代收 | market_zone
    白天在家，可以帮上班的邻居代收快递。
spring_couplets | offer skill other | 写春联 免费 | 春联, 书法, 过年 | hall
    腊月二十起在村委会现场写春联，红纸自带。
photocopy | offer skill other | 免费复印 | 复印 | hall
    村委会的复印机，身份证户口本复印免费。
seeds | offer item other | 菜种子 | 种子, 种菜 | yj_grid
    黄瓜、豆角、西红柿种子，自己留的。
succulents | offer item other | 多肉植物分享 | 多肉, 植物 | grid1
    多肉叶插了很多小苗，来拿。
dog_request | request skill other | 出差一周 找人帮忙遛狗 | 遛狗, 宠物 | yj_grid
    下周出差，家里的柯基需要有人每天遛两次。
wedding_help | request skill other | 办喜事 找人帮忙摆桌 | 帮忙, 喜事 | yj_market
    下个月儿子结婚，需要几个人帮忙摆桌上菜。
knitting | offer skill other | 教织毛衣 | 织毛衣 | hall
    冬天闲着，教大家织毛衣围巾。
stroller_pending | offer item baby_kids pending | 婴儿车 便宜转让 | 婴儿车 | kids_zone
    加微信详聊，可以送货上门。
drill_withdrawn | offer item tools lend withdrawn | 电钻出借 已经借出 | 电钻 | grid1
    冲击电钻，暂时借出去了。
wheelchair_expired | offer item elderly_care lend expired | 轮椅出借 | 轮椅 | yj_grid
    手动轮椅，去年用过。
phone_repair_hidden | offer skill repair hidden | 手机维修 低价 | 手机维修 | market_zone
    专业刷机解锁，价格低。
guitar_rejected | offer item sports_leisure rejected | 吉他 高仿名牌 | 吉他 | grid2
    外观和名牌一样。
ladder_closed | offer item tools lend closed | 梯子出借 | 梯子 | grid2
    三米竹梯。
bp_reserved | offer item health lend reserved | 血压计出借 | 血压计 | grid1
    腕式血压计，已经有人预约了。
rice_reserved | offer donation food reserved | 爱心大米已领完 | 大米 | yj_market
    杨家埠粮油店捐赠的大米，这一批已经领完。
"""


@dataclass(frozen=True)
class CorpusListing:
    key: str
    side: str
    kind: str
    category: str
    mode: str | None
    state: str
    title: str
    tags: tuple[str, ...]
    place: str
    description: str

    @property
    def is_public(self) -> bool:
        return self.state in PUBLIC_STATES

    @property
    def status(self) -> str:
        return STATES[self.state][0]

    @property
    def moderation(self) -> str:
        return STATES[self.state][1]


def _join(lines: list[str]) -> str:
    text = ""
    for line in lines:
        if text and text[-1].isascii() and line[0].isascii():
            text += " "
        text += line
    return text


def _parse(block: str) -> tuple[CorpusListing, ...]:
    entries: list[tuple[str, list[str]]] = []
    for line in block.strip("\n").split("\n"):
        if line.startswith(" "):
            entries[-1][1].append(line.strip())
        else:
            entries.append((line, []))
    listings = []
    for header, description in entries:
        key, options, title, tags, place = (part.strip() for part in header.split("|"))
        side, kind, category, *rest = options.split()
        mode = next((word for word in rest if word in ("give", "lend")), None)
        if side == "offer" and kind == "item" and mode is None:
            mode = "give"
        state = next((word for word in rest if word in STATES), "public")
        listings.append(
            CorpusListing(
                key=key,
                side=side,
                kind=kind,
                category=category,
                mode=mode,
                state=state,
                title=title,
                tags=tuple(tag.strip() for tag in tags.split(",")),
                place=place,
                description=_join(description),
            )
        )
    return tuple(listings)


LISTINGS: tuple[CorpusListing, ...] = _parse(_LISTINGS)
BY_KEY: dict[str, CorpusListing] = {listing.key: listing for listing in LISTINGS}


def created_at(position: int, now: datetime) -> datetime:
    """Listing ``position`` of the corpus was posted ``position`` hours before ``now``."""
    return now - timedelta(hours=position + 1)


def expires_at(listing: CorpusListing, position: int, now: datetime) -> datetime:
    if listing.state == "expired":
        return now - timedelta(days=1)
    return now + timedelta(days=3 + (position * 7) % 50)


# --- judged queries -------------------------------------------------------------------------------


@dataclass(frozen=True)
class JudgedQuery:
    """A query a resident would type, and the listing that must come back in the top 3.

    ``also_relevant`` are other listings a person would count as right answers (used for
    recall in the benchmark); ``style`` says what the query exercises.
    """

    text: str
    expected: str
    style: str
    also_relevant: tuple[str, ...] = ()

    @property
    def relevant(self) -> tuple[str, ...]:
        return (self.expected, *self.also_relevant)


JUDGED_QUERIES: tuple[JudgedQuery, ...] = (
    # Chinese words and phrases
    JudgedQuery("婴儿车", "stroller", "chinese", ("stroller_request",)),
    JudgedQuery("电钻", "drill_lend", "chinese", ("drill_request",)),
    JudgedQuery("轮椅", "wheelchair_lend", "chinese", ("wheelchair_request",)),
    JudgedQuery("修手机", "phone_repair", "chinese"),
    JudgedQuery("数学辅导", "math_tutor", "chinese", ("math_request",)),
    JudgedQuery("义务理发", "haircut", "chinese", ("haircut_home",)),
    JudgedQuery("血压计", "bp_monitor", "chinese", ("bp_request", "bp_reserved")),
    JudgedQuery("人字梯", "ladder_lend", "chinese"),
    JudgedQuery("顺风车去县城", "carpool_county", "chinese", ("carpool_request",)),
    JudgedQuery("缝纫机", "sewing_machine", "chinese"),
    JudgedQuery("钢琴课", "piano_lessons", "chinese", ("piano_request",)),
    JudgedQuery("大米", "rice_donation", "chinese", ("rice_reserved",)),
    JudgedQuery("陪老人看病", "hospital_escort", "chinese"),
    JudgedQuery("修水管", "plumbing", "chinese", ("plumbing_request",)),
    JudgedQuery("广场舞", "square_dance", "chinese", ("speaker",)),
    JudgedQuery("高考复习资料", "gaokao_books", "chinese"),
    JudgedQuery("儿童安全座椅", "car_seat", "chinese"),
    JudgedQuery("上门喂猫", "cat_sitting", "chinese"),
    JudgedQuery("投影仪", "projector", "chinese"),
    JudgedQuery("土鸡蛋", "eggs", "chinese"),
    JudgedQuery("求借梯子", "ladder_request", "chinese", ("ladder_lend",)),
    # A part of a word
    JudgedQuery("儿车", "stroller", "partial", ("stroller_request",)),
    JudgedQuery("纫机", "sewing_machine", "partial"),
    # Traditional characters
    JudgedQuery("嬰兒車", "stroller", "traditional", ("stroller_request",)),
    JudgedQuery("電鑽", "drill_lend", "traditional", ("drill_request",)),
    JudgedQuery("輪椅", "wheelchair_lend", "traditional", ("wheelchair_request",)),
    JudgedQuery("縫紉機", "sewing_machine", "traditional"),
    JudgedQuery("電飯煲", "rice_cooker", "traditional", ("rice_cooker_request",)),
    JudgedQuery("鋼琴", "piano_lessons", "traditional", ("piano_request",)),
    JudgedQuery("義務理髮", "haircut", "traditional", ("haircut_home",)),
    # One character
    JudgedQuery("钻", "drill_lend", "single_character", ("drill_request", "drill_bits")),
    JudgedQuery("梯", "ladder_lend", "single_character", ("ladder_request",)),
    JudgedQuery("伞", "umbrellas", "single_character", ("umbrella_repair",)),
    JudgedQuery("琴", "piano_lessons", "single_character", ("piano_request",)),
    JudgedQuery("猫", "cat_sitting", "single_character", ("cat_food", "kittens")),
    # Pinyin
    JudgedQuery("dianzuan", "drill_lend", "pinyin", ("drill_request",)),
    JudgedQuery("yingerche", "stroller", "pinyin", ("stroller_request",)),
    JudgedQuery("ying er che", "stroller", "pinyin", ("stroller_request",)),
    JudgedQuery("lunyi", "wheelchair_lend", "pinyin", ("wheelchair_request",)),
    JudgedQuery("gangqin", "piano_lessons", "pinyin", ("piano_request",)),
    JudgedQuery("xiyiji", "washing_machine", "pinyin", ("appliance_repair", "washer_request")),
    # English
    JudgedQuery("bike repair", "bike_repair_en", "english", ("bike_repair",)),
    JudgedQuery("stroller", "stroller_en", "english"),
    JudgedQuery("power drill", "power_drill_en", "english"),
    JudgedQuery("english conversation", "english_tutor_en", "english", ("english_tutor",)),
    JudgedQuery("camping tent", "tent_en", "english", ("tent",)),
    JudgedQuery("laptop", "laptop_en", "english", ("laptop",)),
    JudgedQuery("cat sitting", "cat_sitting_en", "english", ("cat_sitting",)),
    # Misspelt
    JudgedQuery("guittar", "guitar_en", "misspelt"),
    JudgedQuery("strolller", "stroller_en", "misspelt"),
    JudgedQuery("lapptop", "laptop_en", "misspelt"),
    JudgedQuery("bicyle repair", "bike_repair_en", "misspelt", ("bike_repair",)),
    JudgedQuery("englsh conversation", "english_tutor_en", "misspelt", ("english_tutor",)),
    # Mixed Chinese and Latin
    JudgedQuery("iPhone 充电器", "iphone_charger", "mixed"),
    JudgedQuery("Switch 游戏机", "switch", "mixed"),
    JudgedQuery("LED 台灯", "desk_lamp", "mixed"),
    JudgedQuery("3D打印", "printer_3d", "mixed"),
    JudgedQuery("Kindle 电子书", "kindle", "mixed"),
    JudgedQuery("USB 风扇", "usb_fan", "mixed", ("fan",)),
    JudgedQuery("少儿编程 Python", "coding", "mixed"),
)

STYLES = (
    "chinese",
    "partial",
    "traditional",
    "single_character",
    "pinyin",
    "english",
    "misspelt",
    "mixed",
)
