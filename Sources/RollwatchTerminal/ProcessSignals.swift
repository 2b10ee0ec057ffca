import Glibc
import Synchronization

/// The last SIGINT or SIGTERM received, for a loop to notice between its steps.
private let receivedSignal = Atomic<Int32>(0)

/// SIGINT and SIGTERM for rollwatch's commands: the handlers only note the signal, and the dashboard loop (or a
/// headless run) sees it within a step, finishes cleanly and exits 130 or 143. The dashboard installs them before
/// opening the terminal, so that ncurses keeps its own handlers (which exit 1 and skip clean-up) out.
public enum ProcessSignals {
    /// Installs the handlers and unblocks both signals: a parent may have blocked them, and a blocked mask is
    /// inherited across exec.
    public static func install() {
        _ = signal(SIGINT) { number in receivedSignal.store(number, ordering: .relaxed) }
        _ = signal(SIGTERM) { number in receivedSignal.store(number, ordering: .relaxed) }
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &signals, nil)
    }

    /// The signal received, if any.
    public static var received: Int32? {
        let number = receivedSignal.load(ordering: .relaxed)
        return number == 0 ? nil : number
    }

    /// The exit status of a program ended by `signal`: 128 + its number (130 for SIGINT, 143 for SIGTERM).
    public static func exitStatus(for signal: Int32) -> Int32 {
        128 + signal
    }
}
