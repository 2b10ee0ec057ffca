/// An app's `container`: the image it runs and the volumes and port mappings it has.
public struct Container: Sendable, Hashable {
    /// `MESOS` (the universal containerizer) or `DOCKER`.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case mesos = "MESOS"
        case docker = "DOCKER"
    }

    public var kind: Kind
    public var docker: DockerImage?
    public var portMappings: [PortMapping]
    public var volumes: [Volume]
    /// Container fields Marathon knows that rollwatch does not use (`linuxInfo`, `appc`, …), kept verbatim.
    public var otherFields: JSONObject

    public init(kind: Kind, docker: DockerImage? = nil, portMappings: [PortMapping] = [], volumes: [Volume] = [],
                otherFields: JSONObject = JSONObject()) {
        self.kind = kind
        self.docker = docker
        self.portMappings = portMappings
        self.volumes = volumes
        self.otherFields = otherFields
    }
}

/// `container.docker`: the image and how to pull and run it.
public struct DockerImage: Sendable, Hashable {
    public var image: String
    public var forcePullImage: Bool
    public var privileged: Bool
    public var parameters: [Parameter]
    /// Docker fields Marathon knows that rollwatch does not use (`pullConfig`, `credential`, …), kept verbatim.
    public var otherFields: JSONObject

    /// A `docker run` option as `{"key": "label", "value": "x=y"}`.
    public struct Parameter: Sendable, Hashable {
        public var key: String
        public var value: String
        public init(key: String, value: String) {
            self.key = key
            self.value = value
        }
    }

    public init(image: String, forcePullImage: Bool = false, privileged: Bool = false, parameters: [Parameter] = [],
                otherFields: JSONObject = JSONObject()) {
        self.image = image
        self.forcePullImage = forcePullImage
        self.privileged = privileged
        self.parameters = parameters
        self.otherFields = otherFields
    }
}

/// A volume mounted into an app's container.
public struct Volume: Sendable, Hashable {
    /// What backs the volume.
    public enum Source: Sendable, Hashable {
        /// A folder of the agent (`hostPath`).
        case host(path: String)
        /// A local persistent volume reserved on the agent: it makes the app resident.
        case persistent(sizeMiB: Int, type: String, maxSizeMiB: Int?)
        /// A volume from an external provider (e.g. `dvdi`).
        case external(name: String, provider: String, sizeGiB: Int?)
        /// A file holding one of the app's secrets.
        case secret(name: String)
    }

    public var containerPath: String
    /// `RW` or `RO`.
    public var mode: String
    public var source: Source
    /// Fields Marathon knows that rollwatch does not use (`persistent.profileName`, `external.options`, …),
    /// kept verbatim under the object they were written in.
    public var otherFields: JSONObject

    public init(containerPath: String, mode: String = "RW", source: Source, otherFields: JSONObject = JSONObject()) {
        self.containerPath = containerPath
        self.mode = mode
        self.source = source
        self.otherFields = otherFields
    }

    /// True for a local persistent volume.
    public var isPersistent: Bool {
        if case .persistent = source { return true }
        return false
    }

    /// True for an external volume.
    public var isExternal: Bool {
        if case .external = source { return true }
        return false
    }
}
