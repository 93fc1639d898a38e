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
        let pairs = mapper.status(
            for: SharingError(
                .limitExceeded, subject: "8", field: .pairs, limit: .pairsPerBulk,
                message: "m"))
        #expect(pairs.code == .resourceExhausted)
        #expect(pairs.details.first?.field == "pairs")
        #expect(pairs.details.first?.subject == "8")
        #expect(pairs.details.first?.metadata.first?.key == "limit")
        #expect(pairs.details.first?.metadata.first?.value == "7")

        let devices = mapper.status(
            for: SharingError(.deviceNotFound, subject: "dev_3", field: .deviceIds, message: "m"))
        #expect(devices.code == .notFound)
        #expect(devices.details.first?.field == "device_ids")
        #expect(devices.details.first?.metadata.isEmpty == true)

        #expect(
            mapper.status(for: SharingError(.invalidCursor, field: .cursor, message: "m")).details.first?.field
                == "page_token")
        #expect(
            mapper.status(for: SharingError(.invalidID, field: .toEmail, message: "m")).details.first?.field
                == "to_email")
        #expect(
            mapper.status(
                for: SharingError(.stringTooLong, field: .servicesProtocol, limit: .protocolLength, message: "m")
            )
            .details.first?.metadata.first?.value == "32")
        #expect(
            mapper.status(for: SharingError(.emailTooLong, field: .email, limit: .emailLength, message: "m"))
                .details.first?.metadata.first?.value == "254")
        #expect(mapper.status(for: SharingError(.invalidArgument, field: nil, message: "m")).details.first?.field == "")
    }

    /// Every field's wire name is the .proto spelling: lower snake case,
    /// dotted for a nested field, and unique.
    @Test func everyFieldHasAProtoSpelling() {
        let names = SharingError.Field.allCases.map(\.wireName)
        #expect(Set(names).count == names.count)
        for name in names {
            #expect(!name.isEmpty && name.allSatisfy { $0.isLowercase || $0 == "_" || $0 == "." }, "\(name)")
        }
        #expect(SharingError.Field.atLeastRevision.wireName == "min_revision")
        #expect(SharingError.Field.serviceIds.wireName == "access.service_ids")
        #expect(SharingError.Field.checksUserId.wireName == "checks.user_id")
    }

    /// Each limit reports the value configured for it.
    @Test func everyLimitReportsItsConfiguredValue() {
        var limits = Limits()
        limits.maxPairsPerBulk = 1
        limits.maxPortsPerShare = 2
        limits.maxServicesPerDevice = 3
        limits.maxPageSize = 4
        limits.maxChecksPerBatch = 5
        limits.maxDevicesPerCall = 6
        limits.maxContactsPerAccount = 7
        limits.maxDevicesPerAccount = 8
        limits.maxShareLifetimeMs = 9
        limits.maxNameLength = 10
        limits.maxProtocolLength = 11
        let mapper = ErrorMapper(limits: limits)
        var seen: [String] = []
        for limit in SharingError.Limit.allCases {
            let status = mapper.status(for: SharingError(.limitExceeded, limit: limit, message: "m"))
            #expect(status.details.first?.metadata.count == 1)
            #expect(status.details.first?.metadata.first?.key == "limit")
            seen.append(status.details.first?.metadata.first?.value ?? "")
        }
        #expect(seen == ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", String(Limits.maxEmailLength)])
    }
}
