package preview

import (
	"context"
	"testing"

	"github.com/branchready/branchready/alerts/notify"
)

func TestPreviewAcceptsEveryMessageAndKeepsItsThread(t *testing.T) {
	var n Notifier
	post, err := n.Notify(context.Background(), notify.Receipt{}, notify.Message{Op: notify.Post, Target: "#lon"})
	if err != nil || post.Channel != "#lon" || post.TS == "" {
		t.Fatalf("post receipt %+v, %v", post, err)
	}
	reply, err := n.Notify(context.Background(), post, notify.Message{Op: notify.Reply, Target: "#lon"})
	if err != nil || reply != post {
		t.Fatalf("a reply's receipt %+v, want the thread %+v", reply, post)
	}
}
