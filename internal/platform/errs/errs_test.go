package errs

import (
	"errors"
	"fmt"
	"testing"
)

func TestCodeOfSeesThroughWrapping(t *testing.T) {
	err := fmt.Errorf("save house: %w", Conflict("number", "3栋2单元已有房号 %s", "1201"))
	if CodeOf(err) != CodeConflict {
		t.Errorf("CodeOf = %s", CodeOf(err))
	}
	e, ok := As(err)
	if !ok || e.Field != "number" || e.Message != "3栋2单元已有房号 1201" {
		t.Errorf("As = %+v, %v", e, ok)
	}
	if CodeOf(errors.New("driver: bad connection")) != CodeInternal {
		t.Errorf("a non-business error must be internal")
	}
}

func TestFieldsCollectEveryFormError(t *testing.T) {
	var f Fields
	if f.Err() != nil {
		t.Fatal("no fields must be no error")
	}
	f.Add("name", "请填写姓名")
	f.Add("gross_area", "面积最多两位小数")
	f.Add("name", "second message for name is dropped")
	err := f.Err()
	// The API shows the first error…
	if e, ok := As(err); !ok || e.Field != "name" || e.Code != CodeInvalid {
		t.Errorf("first = %+v", e)
	}
	// …the form shows them all, one per field.
	m := ByField(err)
	if len(m) != 2 || m["name"] != "请填写姓名" || m["gross_area"] != "面积最多两位小数" {
		t.Errorf("ByField = %v", m)
	}
	if m := ByField(NotFound("房屋不存在")); m[""] != "房屋不存在" {
		t.Errorf("ByField single = %v", m)
	}
}

func TestErrorText(t *testing.T) {
	if s := Invalid("phone", "电话号码格式不正确").Error(); s != "invalid: 电话号码格式不正确 (phone)" {
		t.Errorf("Error() = %q", s)
	}
	if s := Forbidden("no").Error(); s != "forbidden: no" {
		t.Errorf("Error() = %q", s)
	}
}
