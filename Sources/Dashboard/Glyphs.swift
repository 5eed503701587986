/// The characters the dashboard draws with: Unicode, or plain ASCII when the locale is not
/// UTF-8 (box lines and blocks would otherwise turn to garbage).
public struct Glyphs: Sendable {
    public var horizontal, vertical, topLeft, topRight, bottomLeft, bottomRight: Unicode.Scalar
    public var spark: [Unicode.Scalar]
    public var selected: Unicode.Scalar
    public var up, crashed, partitioned, oneWay, slow: String
    public var ok, bad, warn: String

    public static let unicode = Glyphs(
        horizontal: "─", vertical: "│", topLeft: "┌", topRight: "┐", bottomLeft: "└", bottomRight: "┘",
        spark: [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"], selected: "▶",
        up: "●", crashed: "✖", partitioned: "⊘", oneWay: "⇥", slow: "◔", ok: "✔", bad: "✘", warn: "▲")

    public static let ascii = Glyphs(
        horizontal: "-", vertical: "|", topLeft: "+", topRight: "+", bottomLeft: "+", bottomRight: "+",
        spark: [" ", ".", ".", ":", ":", "+", "+", "#", "#"], selected: ">",
        up: "o", crashed: "X", partitioned: "/", oneWay: ">", slow: "~", ok: "+", bad: "X", warn: "!")
}
