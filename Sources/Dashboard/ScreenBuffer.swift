/// A semantic style: what a cell *means*, not what colour it is.
///
/// Themes map roles to colours and attributes, so panels never name a colour and a
/// colour-blind or monochrome theme can restyle every state without touching drawing code.
public enum StyleRole: UInt8, CaseIterable, Sendable, Hashable {
    case text, dim, border, title, selection, footerKey, header, paused, warning, ok
    case laneAtMostOnce, laneAtLeastOnce, laneEffectivelyOnce
    case stateReady, stateInFlight, stateUnacked, stateRedelivered, stateDuplicate
    case stateLost, stateDeadLettered, stateOutOfOrder
    case nodeUp, nodeCrashed, nodePartitioned, nodeOneWay, nodeSlow
    case sparkLow, sparkHigh
    /// Packets in the flow view: requests (publish, deliver, redeliver) and replies.
    case packetPublish, packetConfirm, packetDeliver, packetRedeliver, packetAck

    /// The key used for this role in theme files (snake_case).
    public var key: String {
        switch self {
        case .text: "text"
        case .dim: "dim"
        case .border: "border"
        case .title: "title"
        case .selection: "selection"
        case .footerKey: "footer_key"
        case .header: "header"
        case .paused: "paused"
        case .warning: "warning"
        case .ok: "ok"
        case .laneAtMostOnce: "lane_at_most_once"
        case .laneAtLeastOnce: "lane_at_least_once"
        case .laneEffectivelyOnce: "lane_effectively_once"
        case .stateReady: "ready"
        case .stateInFlight: "in_flight"
        case .stateUnacked: "unacked"
        case .stateRedelivered: "redelivered"
        case .stateDuplicate: "duplicate"
        case .stateLost: "lost"
        case .stateDeadLettered: "dead_lettered"
        case .stateOutOfOrder: "out_of_order"
        case .nodeUp: "node_up"
        case .nodeCrashed: "node_crashed"
        case .nodePartitioned: "node_partitioned"
        case .nodeOneWay: "node_one_way"
        case .nodeSlow: "node_slow"
        case .sparkLow: "spark_low"
        case .sparkHigh: "spark_high"
        case .packetPublish: "packet_publish"
        case .packetConfirm: "packet_confirm"
        case .packetDeliver: "packet_deliver"
        case .packetRedeliver: "packet_redeliver"
        case .packetAck: "packet_ack"
        }
    }
}

/// One character cell: a single-width Unicode scalar and the role it is drawn in.
public struct Cell: Equatable, Sendable {
    public var scalar: Unicode.Scalar
    public var role: StyleRole

    public init(_ scalar: Unicode.Scalar = " ", _ role: StyleRole = .text) {
        self.scalar = scalar
        self.role = role
    }
}

/// A grid of cells that panels draw into; the terminal layer only blits it.
///
/// Keeping drawing pure lets tests compare a screen as text (golden files) and lets the
/// terminal layer write only the cells that changed since the last frame.
public struct ScreenBuffer: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        self.cells = Array(repeating: Cell(), count: self.width * self.height)
    }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set {
            guard x >= 0, y >= 0, x < width, y < height else { return }
            cells[y * width + x] = newValue
        }
    }

    /// Writes `text` from (x, y) in `role`, clipped to `maxWidth` and the buffer's edge.
    /// Returns the column after the last character written.
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, role: StyleRole = .text, maxWidth: Int? = nil) -> Int {
        guard y >= 0, y < height else { return x }
        let limit = min(width, maxWidth.map { x + $0 } ?? width)
        var col = x
        for scalar in text.unicodeScalars {
            if col >= limit { break }
            if col >= 0 { cells[y * width + col] = Cell(scalar, role) }
            col += 1
        }
        return col
    }

    /// Fills a rectangle with one character in one role.
    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, scalar: Unicode.Scalar = " ", role: StyleRole = .text) {
        let x0 = max(0, x), y0 = max(0, y)
        let x1 = min(width, x + w), y1 = min(height, y + h)
        guard x0 < x1, y0 < y1 else { return }
        for row in y0..<y1 {
            for col in x0..<x1 { cells[row * width + col] = Cell(scalar, role) }
        }
    }

    /// The buffer as plain text, one line per row, trailing spaces trimmed (golden files).
    public func plainText() -> String {
        var out = ""
        out.reserveCapacity((width + 1) * height)
        for row in 0..<height {
            var line = String.UnicodeScalarView()
            for col in 0..<width { line.append(cells[row * width + col].scalar) }
            var s = String(line)
            while s.last == " " { s.removeLast() }
            out += s
            out += "\n"
        }
        return out
    }
}
