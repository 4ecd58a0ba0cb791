//! Site boilerplate in normalised text: footers, ICP and police filing numbers, crumbs, share
//! bars, print/close links. Its spans are cut from classification features but stay in the text
//! that entity extraction reads.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

/// Whole short lines that are site chrome, and boilerplate phrases inside longer lines.
static BOILERPLATE_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"版权所有|ICP备|ICP证|公网安备|公安备案|网站标识码|分享到|字体\s*[:：]?\s*[【\[]?\s*大|",
        r"打印本页|【打印】|\[打印\]|关闭窗口|【关闭】|责任编辑|扫一扫在手机|当前位置|您的位置|",
        r"网站地图|联系我们|主办单位|承办单位|技术支持|浏览次数|访问量|上一篇|下一篇|首页\s*[>＞»]|",
        r"用手机扫描|手机版|无障碍|适老化|收藏本页|设为首页|加入收藏"
    ))
    .unwrap_or_else(|e| unreachable!("static regex: {e}"))
});

static BOILERPLATE_PHRASE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"[\p{Han}]{0,3}ICP[备证]\s*\d+号?(?:-\d+)?|[\p{Han}]{0,3}公网安备\s*\d+号?|",
        r"版权所有[^。\n]{0,40}|网站标识码\s*[:：]?\s*\w+|【字体\s*[:：]?\s*大\s*中\s*小】|",
        r"分享到\s*[:：]?|扫一扫在手机打开当前页|打印本页|关闭窗口|责任编辑\s*[:：]\s*\S{0,8}"
    ))
    .unwrap_or_else(|e| unreachable!("static regex: {e}"))
});

/// Lines no longer than this are dropped whole when they carry a boilerplate marker.
const SHORT_LINE: usize = 80;

/// One regex search over the whole text, then each line it hits is checked on its own (a
/// match may run across a line break): much cheaper than a search per line.
pub(super) fn boilerplate_spans(text: &str) -> Vec<Range<usize>> {
    let mut spans = Vec::new();
    let mut from = 0;
    while let Some(m) = BOILERPLATE_LINE.find_at(text, from) {
        let start = text[..m.start()].rfind('\n').map_or(0, |p| p + 1);
        let end = text[m.start()..]
            .find('\n')
            .map_or(text.len(), |p| m.start() + p + 1);
        let line = &text[start..end];
        from = end;
        if BOILERPLATE_LINE.is_match(line) {
            if line.chars().count() <= SHORT_LINE {
                spans.push(start..end);
            } else {
                spans.extend(
                    BOILERPLATE_PHRASE
                        .find_iter(line)
                        .map(|m| start + m.start()..start + m.end()),
                );
            }
        }
    }
    spans
}
