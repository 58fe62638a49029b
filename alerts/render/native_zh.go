package render

import (
	"strconv"
	"time"
)

// nativeZH is zh-CN.tmpl in Go (see native).
var nativeZH = native{
	title:  titleZH,
	field:  [5]func(d *Data) string{statusZH, sinceZH, deadlineZH, impactZH, remedyZH},
	labels: [5]string{"状态", "开始时间", "准备截止", "影响", "处理办法"},
	ack:    "确认处理", snooze: "暂停提醒 30 分钟", sep: "：",
	reply: replyZH,
}

func durZH(d time.Duration) string { return dur(d, " 小时 ", " 分钟") }

func levelZH(s string) string {
	switch s {
	case "operations":
		return "运营中心"
	case "region":
		return "区域"
	}
	return "网点"
}

func titleZH(d *Data) string {
	p := ""
	if d.State == "resolved" {
		p = "已恢复："
	}
	return cat(p, d.BranchName, "（", d.Branch, "）：", whatZH(d))
}

func whatZH(d *Data) string {
	switch d.Kind {
	case "branch_unreachable":
		return "网点网络不通"
	case "agent_silent":
		return "监控代理无响应"
	}
	return cat(d.Device, " 的 ", d.Check, " 检查失败")
}

func statusZH(d *Data) string {
	var s string
	switch {
	case d.State == "resolved":
		s = "已恢复，持续 " + durZH(d.Lasted)
	case d.AckedBy != "":
		s = cat("已由 ", d.AckedBy, " 于 ", d.AckedAt, " 确认处理")
	default:
		s = "告警中"
	}
	if d.SnoozedUntil != "" && d.State != "resolved" {
		s = cat(s, "；", d.SnoozedBy, " 已暂停提醒至 ", d.SnoozedUntil)
	}
	if d.EscalatedTo != "" && d.EscalatedTo != "branch" && d.State != "resolved" {
		s = cat(s, "；已升级至", levelZH(d.EscalatedTo))
	}
	return s
}

func sinceZH(d *Data) string { return cat(d.Since, "（", durZH(d.For), "前）") }

func deadlineZH(d *Data) string {
	if d.State == "resolved" {
		return ""
	}
	switch d.Deadline.Phase {
	case "before":
		return cat("距离营业准备截止时间 ", d.Deadline.At, " 还有 ", durZH(d.Deadline.Left), "（", d.Deadline.Opening, " 开门）")
	case "passed":
		return cat("营业准备截止时间 ", d.Deadline.At, " 已过；", d.Deadline.Opening, " 开门")
	}
	return ""
}

func impactZH(d *Data) string {
	switch {
	case d.Kind == "branch_unreachable":
		return cat("总部无法看到该网点：", strconv.Itoa(d.Checks), " 项检查无法连接")
	case d.Kind == "agent_silent":
		return cat("已 ", durZH(d.Silent), "没有收到检查结果，网点准备状态未知")
	case d.PerHour > 0:
		return cat(d.Device, " 故障期间，每小时约有 ", perHour(d.PerHour), " 位客户转到柜台办理业务")
	}
	return ""
}

func remedyZH(d *Data) string {
	switch {
	case d.Remedy != "":
		return d.Remedy
	case d.Kind == "branch_unreachable":
		return "请检查网点路由器和广域网线路；设备本身可能正常。"
	case d.Kind == "agent_silent":
		return "请确认运行监控代理的网点电脑已开机，且 branchready-agent 服务正在运行。"
	}
	return ""
}

func replyZH(d *Data) string {
	switch d.Event {
	case "reminder":
		return cat("已持续 ", durZH(d.For), "，仍未恢复：", d.Reason)
	case "escalated":
		s := cat("已到营业准备截止时间（", d.Deadline.At, "）")
		if d.Step != 0 {
			s = cat("距离营业准备截止时间（", d.Deadline.At, "）还有 ", durZH(d.Step))
		}
		to := ""
		if d.EscalatedTo != "branch" {
			to = "：已升级至" + levelZH(d.EscalatedTo)
		}
		return cat(s, "，仍未就绪", to, "。")
	case "resolved":
		return cat("已恢复，持续 ", durZH(d.Lasted), "。")
	case "acknowledged":
		return cat("已由 ", d.AckedBy, " 于 ", d.AckedAt, " 确认处理。")
	case "snoozed":
		return cat(d.SnoozedBy, " 已暂停提醒至 ", d.SnoozedUntil, "。")
	}
	return titleZH(d)
}
