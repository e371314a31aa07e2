"""The controlled vocabularies of the domain (see DOMAIN.md)."""

#: 事项类别, in the order the official prefaces list them (民族宗教 is not in DOMAIN.md's list,
#: but four of the five sample lists use it).
CATEGORIES = (
    "党的建设", "经济发展", "民生服务", "平安法治", "乡村振兴", "精神文明建设", "社会管理",
    "安全稳定", "民族宗教", "社会保障", "自然资源", "生态环保", "城乡建设", "交通运输", "商贸流通",
    "文化和旅游", "卫生健康", "应急管理及消防", "市场监管", "投资促进", "人民武装",
    "综合政务", "教育培训监管",
)

#: Short names used in titles -> official prefecture names.
PREFECTURE_SHORT_NAMES = {
    "昌吉州": "昌吉回族自治州",
    "克州": "克孜勒苏柯尔克孜自治州",
    "伊犁州": "伊犁哈萨克自治州",
    "博州": "博尔塔拉蒙古自治州",
    "巴州": "巴音郭楞蒙古自治州",
}

#: an e-mail address as people type it (no display name, no list): something@domain.tld
EMAIL_PATTERN = r"[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+"
