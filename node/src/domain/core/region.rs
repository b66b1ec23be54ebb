//! The administrative tree as region ids: paths such as `hunan/changsha/liuyang`.

/// The parent region of a region id (ids are paths: `hunan/changsha/liuyang`).
pub fn parent_of(region: &str) -> Option<&str> {
    region.rsplit_once('/').map(|(p, _)| p)
}

/// A well-formed region id (as the topology requires) of at most 255 bytes.
pub fn valid_region_id(id: &str) -> bool {
    id.len() <= 255
        && !id.is_empty()
        && id.split('/').all(|seg| {
            !seg.is_empty()
                && seg
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        })
}

/// True when `origin` is `link` or lies below it.
pub fn in_subtree(origin: &str, link: &str) -> bool {
    origin == link
        || origin
            .strip_prefix(link)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// The child of `region` on the path to `to` (which lies strictly below `region`).
pub fn next_hop(region: &str, to: &str) -> Option<String> {
    let rest = to.strip_prefix(region)?.strip_prefix('/')?;
    let seg = rest.split('/').next().filter(|s| !s.is_empty())?;
    Some(format!("{region}/{seg}"))
}
