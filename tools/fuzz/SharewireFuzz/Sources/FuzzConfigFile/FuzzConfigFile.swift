// Fuzz target: the CLI's config file parser, profiles and line editing
// (SharewireCLICore.ConfigFile).
//
// Input: 2 control bytes (which key, with or without a profile, set or
// unset, which profile name), then the file's text and, after the first NUL
// byte, the value to set. Properties:
//   - parsing never traps; bad text is a typed `CLIError`;
//   - a parsed file renders to text that parses back to the same settings;
//   - `ConfigFile.editing` of a valid file gives a valid file in which the
//     edited key has the new value (or is gone) and nothing else changed.
import FuzzSupport
import SharewireCLICore

let profileNames = ["default", "prod", "staging-2", "a_b"]

func parse(_ text: String) -> ConfigFile? {
    try? ConfigFile(parsing: text)
}

func check(_ text: String, control: [UInt8], value: String) {
    guard let config = parse(text) else { return }
    for name in config.profiles.keys {
        precondition(ConfigFile.isValidProfileName(name), "accepted profile name \(name.debugDescription)")
    }
    let rendered = config.rendered()
    guard let reparsed = parse(rendered) else {
        fatalError("rendered config does not parse: \(rendered.debugDescription) from \(text.debugDescription)")
    }
    guard reparsed == config else {
        fatalError("render → parse changed the settings: \(config) → \(reparsed); text \(rendered.debugDescription)")
    }

    let key = ConfigFile.knownKeys[Int(control[0] & 0x0F) % ConfigFile.knownKeys.count]
    let profile: String? =
        control[0] & 0x10 == 0
        ? nil
        : (config.profiles.keys.sorted() + profileNames)[Int(control[1]) % (config.profiles.count + profileNames.count)]
    let newValue: String? = control[0] & 0x20 == 0 ? value : nil
    let edited: String
    do {
        edited = try ConfigFile.editing(text, profile: profile, key: key, value: newValue)
    } catch {
        return
    }
    guard let after = parse(edited) else {
        fatalError(
            "editing \(key) in \(profile ?? "top level") made an invalid file: \(edited.debugDescription) from \(text.debugDescription)"
        )
    }
    var expected = config
    if let profile {
        if newValue != nil || expected.profiles[profile] != nil {
            expected.profiles[profile, default: [:]][key] = newValue
        }
    } else {
        expected.values[key] = newValue
    }
    guard after == expected else {
        fatalError(
            "editing \(key) = \(newValue.debugDescription) in \(profile ?? "top level"): got \(after), expected \(expected); text \(edited.debugDescription)"
        )
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    guard input.count >= 2 else { return 0 }
    let control = Array(input[0..<2])
    let rest = input[2...]
    let split = rest.firstIndex(of: 0) ?? rest.endIndex
    let text = String(decoding: UnsafeBufferPointer(rebasing: rest[..<split]), as: UTF8.self)
    let value =
        split < rest.endIndex
        ? String(decoding: UnsafeBufferPointer(rebasing: rest[(split + 1)...]), as: UTF8.self) : "v"
    check(text, control: control, value: value)
    return 0
}

@_cdecl("FuzzConfigFile_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc: argc, argv: argv, fuzzOne)
}
