/// Text read from a file, made safe to print on a terminal and short enough for one line.
///
/// A theme's description or a scenario's title used to be printed as written: an escape
/// sequence in it (`description = "\u001b[2J"`) cleared the user's screen, and a 10 MB key
/// became a 10 MB error line. Whatever comes from a file (names, titles, descriptions,
/// values quoted in messages) goes through here before it is printed. It lives in TOMLLite
/// because every module that reads files depends on it.
public enum TerminalText {
    /// Characters kept from a value quoted in a message.
    public static let valueLimit = 80
    /// Characters kept from a line of text shown in a listing (a title, a description).
    public static let lineLimit = 200

    /// `text` with control characters shown as escapes (`\n`, `\u{1B}`) and cut after
    /// `limit` characters, with an ellipsis and the whole length: `kkk… (10000000 bytes in all)`.
    ///
    /// Backslashes are left alone, so text that is already safe comes back unchanged.
    public static func safe(_ text: String, limit: Int = lineLimit) -> String {
        if isPlain(text, limit: limit, quoting: false) { return text }
        var out = ""
        let cut = append(text, to: &out, limit: limit, quoting: false)
        return cut ? out + "… (\(text.utf8.count) bytes in all)" : out
    }

    /// `text` in double quotes, `"` and `\` escaped as well, cut like `safe`: for a value
    /// quoted in a message (`title = "…": expected a one-line string`).
    public static func quoted(_ text: String, limit: Int = valueLimit) -> String {
        if isPlain(text, limit: limit, quoting: true) { return "\"" + text + "\"" }
        var out = "\""
        let cut = append(text, to: &out, limit: limit, quoting: true)
        return cut ? out + "…\" (\(text.utf8.count) bytes in all)" : out + "\""
    }

    /// Whether a scalar must not reach a terminal as it is: C0 controls, DEL, C1 controls
    /// (`\u{9B}` is a one-character CSI to some terminals), the bidirectional overrides and
    /// isolates (they reorder what follows them on the line) and the line and paragraph
    /// separators.
    public static func needsEscape(_ u: Unicode.Scalar) -> Bool {
        switch u.value {
        case 0x00...0x1F, 0x7F...0x9F: true
        case 0x061C, 0x200E, 0x200F, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    /// Whether `text` needs no work: printable ASCII only, no longer than `limit`. The common
    /// case, checked on the bytes without building anything (warnings for 20,000 keys).
    private static func isPlain(_ text: String, limit: Int, quoting: Bool) -> Bool {
        let utf8 = text.utf8
        guard utf8.count <= limit else { return false }
        return utf8.withContiguousStorageIfAvailable { bytes in
            bytes.allSatisfy { $0 >= 0x20 && $0 < 0x7F && !(quoting && ($0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\"))) }
        } ?? false
    }

    /// Appends `text`, escaped, to `out`; stops after `limit` characters of `text` and says
    /// whether it did. Never looks further into `text` than it needs to.
    private static func append(_ text: String, to out: inout String, limit: Int, quoting: Bool) -> Bool {
        var kept = 0
        for u in text.unicodeScalars {
            if kept >= limit { return true }
            kept += 1
            switch u {
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "\"" where quoting: out += "\\\""
            case "\\" where quoting: out += "\\\\"
            default:
                if needsEscape(u) {
                    out += "\\u{" + String(u.value, radix: 16, uppercase: true) + "}"
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return false
    }
}
