import SharewireRPC
import SharewireServer
import SharingDomain
import Testing

@Suite struct ErrorMapperTests {
    let mapper: ErrorMapper = {
        var limits = Limits()
        limits.maxPairsPerBulk = 7
        return ErrorMapper(limits: limits)
    }()

    @Test func everyReasonMapsToTheStatusOfItsHint() {
        for reason in SharingError.Reason.allCases {
            let status = mapper.status(for: SharingError(reason, message: "m"))
            #expect(status.code.rawValue == UInt32(reason.status.rawValue), "\(reason)")
            #expect(status.details.first?.reason == reason.rawValue)
            #expect(status.notProcessed == (reason == .storageUnavailable))
        }
    }

    @Test func fieldsUseProtoNamesAndLimitsAreReported() {
        let pairs = mapper.status(for: SharingError(.limitExceeded, subject: "8", field: "pairs", message: "m"))
        #expect(pairs.code == .resourceExhausted)
        #expect(pairs.details.first?.field == "pairs")
        #expect(pairs.details.first?.subject == "8")
        #expect(pairs.details.first?.metadata.first?.key == "limit")
        #expect(pairs.details.first?.metadata.first?.value == "7")

        let devices = mapper.status(for: SharingError(.deviceNotFound, subject: "dev_3", field: "deviceIds", message: "m"))
        #expect(devices.code == .notFound)
        #expect(devices.details.first?.field == "device_ids")
        #expect(devices.details.first?.metadata.isEmpty == true)

        #expect(mapper.status(for: SharingError(.invalidCursor, field: "cursor", message: "m")).details.first?.field == "page_token")
        #expect(mapper.status(for: SharingError(.invalidID, field: "toEmail", message: "m")).details.first?.field == "to_email")
        #expect(mapper.status(for: SharingError(.stringTooLong, field: "services.protocol", message: "m"))
            .details.first?.metadata.first?.value == "32")
        #expect(mapper.status(for: SharingError(.emailTooLong, field: "email", message: "m"))
            .details.first?.metadata.first?.value == "254")
    }
}
