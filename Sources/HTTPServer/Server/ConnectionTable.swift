/// A loop's connections by file descriptor: an array indexed by the descriptor rather than a dictionary,
/// because every event looks one up and the kernel hands out the lowest free numbers, so the array stays
/// about as long as the most connections ever open at once.
struct ConnectionTable {
    private var slots: [Connection?] = []

    subscript(fd: Int32) -> Connection? {
        get { fd >= 0 && Int(fd) < slots.count ? slots[Int(fd)] : nil }
        set {
            let index = Int(fd)
            guard index >= 0 else { return }
            if index >= slots.count {
                guard newValue != nil else { return }
                slots.append(contentsOf: repeatElement(nil, count: index + 1 - slots.count))
            }
            slots[index] = newValue
        }
    }

    /// Every open connection, as a copy: callers close connections while they go through them.
    var all: [Connection] { slots.compactMap { $0 } }
}
