package io.jvhost.vhostscsi.internal;

/** virtio-scsi numbers (virtio 1.2 section 5.6) in one place: features, layouts, codes, events. */
final class VirtioScsi {
    static final int F_HOTPLUG = 1, F_CHANGE = 2;
    static final int CONTROL_QUEUE = 0, EVENT_QUEUE = 1, FIRST_REQUEST_QUEUE = 2;

    /** virtio_scsi_req_cmd: lun[8], id u64, task_attr, prio, crn, cdb[32]. */
    static final int REQ_LUN = 0, REQ_ID = 8, REQ_CDB = 19, CDB_SIZE = 32, REQ_BYTES = REQ_CDB + CDB_SIZE;
    /** virtio_scsi_resp_cmd: sense_len u32, resid u32, status_qualifier u16, status u8, response u8, sense[96]. */
    static final int RESP_SENSE_LEN = 0, RESP_RESID = 4, RESP_STATUS_QUALIFIER = 8, RESP_STATUS = 10,
            RESP_RESPONSE = 11, RESP_SENSE = 12, SENSE_SIZE = 96, RESP_BYTES = RESP_SENSE + SENSE_SIZE;

    /** Control queue: type u32 first. */
    static final int CTRL_TMF = 0, CTRL_AN_QUERY = 1, CTRL_AN_SUBSCRIBE = 2;
    /** virtio_scsi_ctrl_tmf_req: type, subtype, lun[8], id u64; response: u8. */
    static final int TMF_SUBTYPE = 4, TMF_LUN = 8, TMF_ID = 16, TMF_REQ_BYTES = 24, TMF_RESP_BYTES = 1;
    /** virtio_scsi_ctrl_an_req: type, lun[8], event_requested u32; response: event_actual u32, response u8. */
    static final int AN_REQ_BYTES = 16, AN_RESP_BYTES = 5;
    static final int TMF_ABORT_TASK = 0, TMF_ABORT_TASK_SET = 1, TMF_CLEAR_ACA = 2, TMF_CLEAR_TASK_SET = 3,
            TMF_I_T_NEXUS_RESET = 4, TMF_LOGICAL_UNIT_RESET = 5, TMF_QUERY_TASK = 6, TMF_QUERY_TASK_SET = 7;

    /** Response codes. */
    static final int S_OK = 0, S_OVERRUN = 1, S_ABORTED = 2, S_BAD_TARGET = 3, S_RESET = 4, S_BUSY = 5,
            S_TRANSPORT_FAILURE = 6, S_TARGET_FAILURE = 7, S_NEXUS_FAILURE = 8, S_FAILURE = 9,
            S_FUNCTION_SUCCEEDED = 10, S_FUNCTION_REJECTED = 11, S_INCORRECT_LUN = 12;
    static final int S_FUNCTION_COMPLETE = 0;

    /** virtio_scsi_event: event u32, lun[8], reason u32. */
    static final int EVENT_BYTES = 16;
    static final int T_NO_EVENT = 0, T_TRANSPORT_RESET = 1, T_ASYNC_NOTIFY = 2, T_PARAM_CHANGE = 3;
    static final int T_EVENTS_MISSED = 0x80000000;
    static final int EVT_RESET_RESCAN = 1, EVT_RESET_REMOVED = 2;
    /** PARAM_CHANGE reason: ASC 2Ah ASCQ 09h (capacity data has changed), ASC in the low byte. */
    static final int REASON_CAPACITY_CHANGED = 0x2A | (0x09 << 8);

    /** Config space: num_queues, seg_max, max_sectors, cmd_per_lun, event_info_size, sense_size, cdb_size (u32), max_channel, max_target (u16), max_lun (u32). */
    static final int CFG_NUM_QUEUES = 0, CFG_SEG_MAX = 4, CFG_MAX_SECTORS = 8, CFG_CMD_PER_LUN = 12,
            CFG_EVENT_INFO_SIZE = 16, CFG_SENSE_SIZE = 20, CFG_CDB_SIZE = 24, CFG_MAX_CHANNEL = 28, CFG_MAX_TARGET = 30,
            CFG_MAX_LUN = 32, CFG_SIZE = 36;

    /** Targets per controller (SPDK's limit) and data buffers per request. */
    static final int MAX_TARGETS = 8, SEG_MAX = 126;

    private VirtioScsi() {
    }

    /** Target number of a virtio-scsi LUN field, or -1 when it does not use the single-level format. */
    static int target(long lunField) {
        int b0 = (int) (lunField & 0xFF);
        return b0 == 1 ? (int) ((lunField >>> 8) & 0xFF) : -1;
    }

    /** LUN of a virtio-scsi LUN field (bytes 2-3, flat space addressing bits dropped). */
    static int lun(long lunField) {
        int b2 = (int) ((lunField >>> 16) & 0xFF);
        int b3 = (int) ((lunField >>> 24) & 0xFF);
        return ((b2 & 0x3F) << 8) | b3;
    }
}
