import Dashboard
import Testing

@Suite struct ColorModeTests {
    @Test func noColorWinsOverEverything() {
        #expect(ColorMode.requested(noColorFlag: true, noColor: nil, colorTerm: "truecolor", term: "xterm") == .noColor)
        #expect(ColorMode.requested(noColorFlag: false, noColor: "1", colorTerm: "truecolor", term: "xterm") == .noColor)
        // no-color.org: only a non-empty NO_COLOR counts.
        #expect(ColorMode.requested(noColorFlag: false, noColor: "", colorTerm: nil, term: "xterm") == .palette256)
    }

    @Test func colortermAsksForTruecolor() {
        #expect(ColorMode.requested(noColorFlag: false, noColor: nil, colorTerm: "truecolor", term: "xterm-256color") == .truecolor)
        #expect(ColorMode.requested(noColorFlag: false, noColor: nil, colorTerm: "24bit", term: "xterm-256color") == .truecolor)
        #expect(ColorMode.requested(noColorFlag: false, noColor: nil, colorTerm: "TrueColor", term: "xterm-256color") == .truecolor)
        #expect(ColorMode.requested(noColorFlag: false, noColor: nil, colorTerm: "yes", term: "xterm-256color") == .palette256)
    }

    @Test func dumbOrMissingTermHasNoColour() {
        #expect(ColorMode.requested(noColorFlag: false, noColor: nil, colorTerm: "truecolor", term: "dumb") == .noColor)
        #expect(ColorMode.requested(noColorFlag: false, noColor: nil, colorTerm: nil, term: nil) == .noColor)
        #expect(ColorMode.requested(noColorFlag: false, noColor: nil, colorTerm: nil, term: "") == .noColor)
    }

    @Test func terminalCapsTheDepth() {
        #expect(ColorMode.truecolor.supported(colors: 1 << 24, canChangeColor: false) == .truecolor)
        #expect(ColorMode.truecolor.supported(colors: 256, canChangeColor: true) == .truecolor)
        #expect(ColorMode.truecolor.supported(colors: 256, canChangeColor: false) == .palette256)
        #expect(ColorMode.truecolor.supported(colors: 88, canChangeColor: false) == .ansi16)
        #expect(ColorMode.palette256.supported(colors: 16, canChangeColor: true) == .ansi16)
        #expect(ColorMode.palette256.supported(colors: 8, canChangeColor: true) == .ansi8)
        #expect(ColorMode.palette256.supported(colors: 0, canChangeColor: false) == .noColor)
        #expect(ColorMode.ansi16.supported(colors: 256, canChangeColor: true) == .ansi16)
        #expect(ColorMode.noColor.supported(colors: 1 << 24, canChangeColor: true) == .noColor)
    }
}

@Suite struct PaletteTests {
    @Test func paletteEntriesHaveXtermValues() {
        #expect(Palette.rgb(ofIndex: 9) == RGB(0xff, 0, 0))
        #expect(Palette.rgb(ofIndex: 16) == RGB(0, 0, 0))
        #expect(Palette.rgb(ofIndex: 67) == RGB(95, 135, 175))
        #expect(Palette.rgb(ofIndex: 196) == RGB(255, 0, 0))
        #expect(Palette.rgb(ofIndex: 231) == RGB(255, 255, 255))
        #expect(Palette.rgb(ofIndex: 232) == RGB(8, 8, 8))
        #expect(Palette.rgb(ofIndex: 255) == RGB(238, 238, 238))
    }

    static let nearest256Cases: [(RGB, UInt8)] = [
        (RGB(0xff, 0x00, 0x00), 196),  // exact cube corner
        (RGB(0x5f, 0x87, 0xaf), 67),  // exact cube entry
        (RGB(0x00, 0x00, 0x00), 16),  // cube black beats grey 232
        (RGB(0xff, 0xff, 0xff), 231),  // cube white beats grey 255 (238)
        (RGB(0x08, 0x08, 0x08), 232),  // first grey
        (RGB(0x80, 0x80, 0x80), 244),  // grey ramp 128 beats cube 135
        (RGB(0xe4, 0xe4, 0xe4), 254),  // grey ramp 228
        (RGB(0x88, 0xc0, 0xd0), 110),  // Nord frost: cube (135,175,215)
        (RGB(0x2e, 0x34, 0x40), 237),  // Nord polar night: grey 58 beats cube (0,95,95)
        (RGB(0xd5, 0x5e, 0x00), 166),  // Okabe-Ito vermillion: cube (215,95,0)
    ]

    @Test(arguments: nearest256Cases)
    func nearest256PicksTheBetterOfCubeAndGrey(color: RGB, expected: UInt8) {
        #expect(Palette.nearest256(color) == expected)
    }

    static let nearest16Cases: [(RGB, UInt8)] = [
        (RGB(0xff, 0x00, 0x00), 9),
        (RGB(0xcd, 0x00, 0x00), 1),
        (RGB(0x10, 0x10, 0x10), 0),
        (RGB(0x80, 0x80, 0x80), 8),
        (RGB(0xe0, 0xe0, 0xe0), 7),
        (RGB(0x5c, 0x5c, 0xff), 12),
        (RGB(0x88, 0xc0, 0xd0), 7),
    ]

    @Test(arguments: nearest16Cases)
    func nearest16(color: RGB, expected: UInt8) {
        #expect(Palette.nearest16(color) == expected)
    }

    @Test func nearest8UsesOnlyTheFirstEight() {
        #expect(Palette.nearest8(RGB(0xff, 0, 0)) == 1)
        #expect(Palette.nearest8(RGB(0xff, 0xff, 0xff)) == 7)
        #expect(Palette.nearest8(RGB(0x70, 0x70, 0x70)) < 8)
    }
}

@Suite struct ColorResolutionTests {
    @Test func namedColoursStayIndicesAndFoldIn8Colours() {
        #expect(ColorSpec.named(.brightRed).resolved(for: .truecolor) == .index(9))
        #expect(ColorSpec.named(.brightRed).resolved(for: .ansi16) == .index(9))
        #expect(ColorSpec.named(.brightRed).resolved(for: .ansi8) == .index(1))
        #expect(ColorSpec.named(.brightRed).resolved(for: .noColor) == .terminalDefault)
    }

    @Test func paletteAndRGBFallBack() {
        #expect(ColorSpec.palette(196).resolved(for: .palette256) == .index(196))
        #expect(ColorSpec.palette(196).resolved(for: .ansi16) == .index(9))
        #expect(ColorSpec.palette(196).resolved(for: .ansi8) == .index(1))
        #expect(ColorSpec.palette(12).resolved(for: .ansi8) == .index(4))
        #expect(ColorSpec.rgb(0x88, 0xc0, 0xd0).resolved(for: .truecolor) == .rgb(RGB(0x88, 0xc0, 0xd0)))
        #expect(ColorSpec.rgb(0x88, 0xc0, 0xd0).resolved(for: .palette256) == .index(110))
        #expect(ColorSpec.rgb(0x88, 0xc0, 0xd0).resolved(for: .ansi16) == .index(7))
        #expect(ColorSpec.rgb(0x88, 0xc0, 0xd0).resolved(for: .noColor) == .terminalDefault)
        #expect(ColorSpec.terminalDefault.resolved(for: .truecolor) == .terminalDefault)
    }

    @Test func sgrSequences() {
        let lost = RoleStyle(fg: .named(.brightRed), bold: true, reverse: true)
        #expect(lost.sgr(for: .ansi16) == "\u{1B}[0;1;7;91m")
        #expect(lost.sgr(for: .ansi8) == "\u{1B}[0;1;7;31m")
        #expect(lost.sgr(for: .noColor) == "\u{1B}[0;1;7m")
        let nord = RoleStyle(fg: .rgb(0x88, 0xc0, 0xd0), bg: .palette(236), underline: true)
        #expect(nord.sgr(for: .truecolor) == "\u{1B}[0;4;38;2;136;192;208;48;5;236m")
        #expect(nord.sgr(for: .palette256) == "\u{1B}[0;4;38;5;110;48;5;236m")
        #expect(nord.sgr(for: .noColor) == "\u{1B}[0;4m")
    }

    @Test func colourSpecsParse() {
        #expect(ColorSpec(parsing: "#88C0D0") == .rgb(0x88, 0xc0, 0xd0))
        #expect(ColorSpec(parsing: "default") == .terminalDefault)
        #expect(ColorSpec(parsing: "Bright_Red") == .named(.brightRed))
        #expect(ColorSpec(parsing: "#88c0d") == nil)
        #expect(ColorSpec(parsing: "#gg0000") == nil)
        #expect(ColorSpec(parsing: "orange") == nil)
        #expect(ColorSpec.rgb(0x88, 0xc0, 0xd0).description == "#88c0d0")
    }
}
