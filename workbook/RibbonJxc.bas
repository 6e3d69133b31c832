Attribute VB_Name = "RibbonJxc"
' The one ribbon callback: every button of the jxc tab names its Python route in its tag.
' RunPython is the custom-add-in form of xlwings' (module "xlwings" of this project), so
' Python's xw.Book.caller() is the user's active workbook, not this add-in.
Sub OnAction(control As IRibbonControl)
    RunPython "import jxc_xl.ribbon; jxc_xl.ribbon.dispatch('" & control.Tag & "')"
End Sub
