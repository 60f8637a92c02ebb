//! Annex B byte streams (H.264 and HEVC in MPEG-TS): start-code splitting.

/// The NAL units of an Annex B byte stream, without start codes or the
/// trailing zero bytes that precede a four-byte start code. Bytes before the
/// first start code are not a NAL unit and are skipped.
pub(crate) fn units(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut starts = memchr::memmem::find_iter(data, &[0, 0, 1]).map(|i| i + 3);
    let mut next = starts.next();
    core::iter::from_fn(move || {
        loop {
            let start = next?;
            next = starts.next();
            let end = next.map_or(data.len(), |n| n - 3);
            let unit = trim_trailing_zeros(data.get(start..end)?);
            if !unit.is_empty() {
                return Some(unit);
            }
        }
    })
}

fn trim_trailing_zeros(mut unit: &[u8]) -> &[u8] {
    while let [rest @ .., 0] = unit {
        unit = rest;
    }
    unit
}

/// Writes `unit` as a 4-byte big-endian length and the unit (ISO 14496-15
/// sample format with `lengthSizeMinusOne` = 3).
pub(crate) fn push_length_prefixed(out: &mut Vec<u8>, unit: &[u8]) -> crate::Result<()> {
    let len = u32::try_from(unit.len())
        .map_err(|_| crate::Error::Unsupported("NAL unit larger than 4 GiB".into()))?;
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(unit);
    Ok(())
}

/// Removes emulation-prevention bytes (00 00 03 → 00 00): the RBSP of a NAL
/// unit body, for parameter-set parsing.
pub(crate) fn rbsp(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut zeros = 0;
    for &b in body {
        if zeros >= 2 && b == 3 {
            zeros = 0;
            continue;
        }
        zeros = if b == 0 { zeros + 1 } else { 0 };
        out.push(b);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_split_on_three_and_four_byte_start_codes() {
        let data = [
            0, 0, 0, 1, 9, 0xf0, 0, 0, 1, 0x67, 1, 2, 0, 0, 0, 0, 1, 0x65, 7,
        ];
        let got: Vec<&[u8]> = units(&data).collect();
        assert_eq!(got, vec![&[9, 0xf0][..], &[0x67, 1, 2], &[0x65, 7]]);
    }

    #[test]
    fn bytes_before_the_first_start_code_and_empty_units_are_skipped() {
        let data = [0xaa, 0, 0, 1, 0, 0, 1, 0x41, 0];
        let got: Vec<&[u8]> = units(&data).collect();
        assert_eq!(got, vec![&[0x41][..]]);
        assert_eq!(units(&[1, 2, 3]).count(), 0);
    }

    #[test]
    fn rbsp_drops_emulation_prevention_bytes() {
        assert_eq!(
            rbsp(&[0x12, 0, 0, 3, 1, 0, 0, 3]),
            vec![0x12, 0, 0, 1, 0, 0]
        );
    }
}
