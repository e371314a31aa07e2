"""What happened, announced (blinker, which Flask ships): operations send, side effects subscribe.

Receivers run synchronously, in the sender's transaction: a notification or an index row written by
a receiver commits or rolls back with the change that caused it. Subscribers connect in their
package's init_app (notifications, search), so the operations that send import none of them.
"""
from blinker import Namespace

_signals = Namespace()

#: an audit entry was written for a revision (sender: the Revision; event=AuditEvent)
revision_event = _signals.signal("revision-event")
#: item contents were stored for a township's version (sender: the township; contents=[ItemContent])
contents_stored = _signals.signal("contents-stored")
#: a version was published through the review (sender: the Version; revision=Revision, actor=User)
version_published = _signals.signal("version-published")
#: an adjustment request was submitted or decided (sender: the AdjustmentRequest; event=AuditEvent)
request_event = _signals.signal("request-event")
#: an import job made a step (sender: the upload's token; done=, total=, stage="prepare"|"write");
#: nothing subscribes in production: tests hold a job part-way here
import_progress = _signals.signal("import-progress")
#: an office marked a basis of the library amended or repealed (sender: the Basis; actor=User,
#: status=, flagged=the number of items newly flagged)
basis_status_changed = _signals.signal("basis-status-changed")
#: an office opened adjustment drafts for a changed basis (sender: the Basis; actor=User,
#: revisions=[(Revision, created: bool, item_ids: [int])])
basis_adjustments_opened = _signals.signal("basis-adjustments-opened")
