/// The default theme built into the binary, so that the dashboard has its look even where the shipped `Themes/`
/// directory cannot be found (a binary copied on its own). A test keeps it equal to `Themes/default-dark.theme`;
/// theme files found on disk are added after it and replace it.
public enum BuiltinTheme {
    /// The text of `Themes/default-dark.theme`.
    public static let defaultDarkText = """
    # rollwatch theme: default-dark, the theme every other one builds on.
    # Each line sets a slot:  slot = fg [on bg] [bold|dim|italic|underline|reverse]
    # Colours: default (the terminal's own, keeps transparency), red, bright-blue, grey…, 0–255, #rrggbb, #rgb.
    # 24-bit colours are shown as the nearest 256-, 16- or 8-colour one when the terminal has fewer.
    # glyph.<slot> = "x" replaces a symbol (one character, one column wide).
    summary  = "Dark terminals: calm chrome, green for healthy, red for trouble"
    inherits = none

    # Base and pane chrome
    main_fg      = default
    title        = #7aa2f7 bold
    border       = #565f89
    border_focus = #7aa2f7 bold
    dim_text     = #737aa2

    # Footer key hints, selection, filter hits
    hint_key      = #ff9e64 bold
    hint_text     = #a9b1d6
    hint_inactive = #565f89 dim
    selected      = #1a1b26 on #7aa2f7
    filter_match  = #1a1b26 on #e0af68 bold

    # Dialogs
    dialog        = #c0caf5 on #24283b
    dialog_title  = #7aa2f7 on #24283b bold
    button        = #c0caf5 on #414868
    button_focus  = #1a1b26 on #7aa2f7 bold
    button_danger = #1a1b26 on #f7768e bold

    # Transient status line
    flash_info  = #7dcfff
    flash_warn  = #e0af68 bold
    flash_error = #f7768e bold

    # State badges
    badge_idle        = #1a1b26 on #737aa2 bold
    badge_live        = #1a1b26 on #9ece6a bold
    badge_paused      = #1a1b26 on #e0af68 bold
    badge_done        = #1a1b26 on #7aa2f7 bold
    badge_failed      = #1a1b26 on #f7768e bold
    badge_rolled_back = #1a1b26 on #bb9af7 bold
    badge_sim         = #7dcfff bold

    # Instance states
    inst_waiting   = #565f89
    inst_staging   = #7dcfff dim
    inst_starting  = #7dcfff
    inst_unknown   = #a9b1d6
    inst_healthy   = #9ece6a
    inst_unhealthy = #f7768e bold
    inst_killing   = #e0af68
    inst_killed    = #565f89 dim
    inst_failed    = #f7768e bold reverse

    # Versions
    ver_old = #a9b1d6
    ver_new = #7dcfff bold

    # Progress and health bars
    progress_done       = #9ece6a
    progress_todo       = #414868
    progress_text       = #c0caf5 bold
    marker_min_healthy  = #e0af68 bold
    marker_max_capacity = #bb9af7 bold

    # Plan steps
    step_done    = #9ece6a
    step_current = #7dcfff bold
    step_pending = #737aa2
    step_failed  = #f7768e bold

    # Healthy old / new over time
    graph_old = #a9b1d6
    graph_new = #9ece6a

    # Event log
    log_time   = #565f89
    log_info   = #c0caf5
    log_action = #7dcfff
    log_warn   = #e0af68
    log_error  = #f7768e bold

    """

    /// The built-in default theme as a parsed file, to add to a library before the files found on disk.
    public static func defaultDarkFile() throws(ThemeError) -> ThemeFile {
        try ThemeFile(name: ThemeLibrary.defaultThemeName, path: "(built in)", text: defaultDarkText)
    }
}
